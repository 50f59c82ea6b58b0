#!/usr/bin/env python3
"""Builds the regression data set: WordNet 3.0 noun glosses -> the synset's depth in the hypernym hierarchy.

    python3 make_dataset.py OUT_DIR [TRAIN] [DEV] [TEST] [OOD]

Reads /usr/share/wordnet/data.noun (Debian package wordnet-base). The depth of a synset is the length of its
shortest chain of hypernym links (@ and instance hypernym @i) up to the root synset entity.n.01 (depth 0), as
NLTK's min_depth counts it. The text is the gloss with its quoted usage examples removed (as in
../wordnet-supersenses). Synsets are shuffled with a fixed seed and split into train/dev/test; identical glosses
stay in one split. The out-of-domain file holds short descriptions of Debian packages (see ../debian-debtags),
for checking that an ensemble is less certain off its training domain; its depth column is absent.
"""
import collections, glob, json, os, random, re, subprocess, sys

out = sys.argv[1]
n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
n_dev = int(sys.argv[3]) if len(sys.argv) > 3 else 500
n_test = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
n_ood = int(sys.argv[5]) if len(sys.argv) > 5 else 300
DATA = "/usr/share/wordnet/data.noun"

synsets = {}
for line in open(DATA, encoding="utf-8"):
    if line.startswith("  "):
        continue  # the licence header
    head, _, gloss = line.partition(" | ")
    f = head.split()
    offset, w_cnt = f[0], int(f[3], 16)
    i = 4 + 2 * w_cnt
    words = f[4:i:2]
    p_cnt = int(f[i])
    ptrs = f[i + 1:i + 1 + 4 * p_cnt]
    hypernyms = [ptrs[j + 1] for j in range(0, len(ptrs), 4) if ptrs[j] in ("@", "@i") and ptrs[j + 2] == "n"]
    synsets[offset] = (words, hypernyms, gloss.strip())

depth = {}
def min_depth(o):
    if o in depth:
        return depth[o]
    hyp = synsets[o][1]
    depth[o] = 0 if not hyp else 1 + min(min_depth(h) for h in hyp)
    return depth[o]
sys.setrecursionlimit(10000)
roots = [o for o, s in synsets.items() if not s[1]]
assert len(roots) == 1 and synsets[roots[0]][0][0] == "entity", roots

def clean(gloss):
    # drop the quoted usage examples ("; \"...\"") and the separators they leave
    g = re.sub(r';?\s*"[^"]*"', "", gloss)
    return " ".join(g.strip(" ;").split())

rows = []
for o, (words, _, gloss) in sorted(synsets.items()):
    text = clean(gloss)
    if len(text.split()) >= 3:
        rows.append({"id": "n" + o, "text": text, "depth": min_depth(o)})
by_text = collections.defaultdict(list)
for r in rows:
    by_text[r["text"].lower()].append(r)
groups = sorted(by_text.values(), key=lambda g: g[0]["id"])
random.Random(20261202).shuffle(groups)
splits = {"train": [], "dev": [], "test": []}
want = {"train": n_train, "dev": n_dev, "test": n_test}
for g in groups:
    for name in ("train", "dev", "test"):
        if len(splits[name]) + len(g) <= want[name]:
            splits[name].extend(g)
            break
    if all(len(splits[n]) == want[n] for n in splits):
        break
os.makedirs(out, exist_ok=True)
for name, rs in splits.items():
    with open(os.path.join(out, name + ".jsonl"), "w", encoding="utf-8") as fh:
        for r in rs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    ds = [r["depth"] for r in rs]
    print(name, len(rs), "depth mean %.2f min %d max %d" % (sum(ds) / len(ds), min(ds), max(ds)))

# Out of domain: short descriptions of Debian packages, not glosses.
lz4 = glob.glob("/var/lib/apt/lists/*_debian_dists_bookworm_main_binary-amd64_Packages.lz4")
if len(lz4) != 1:
    sys.exit("need exactly one package index of bookworm main in /var/lib/apt/lists, found %s" % lz4)
lz4 = lz4[0]
text = subprocess.run(["lz4", "-dc", lz4], capture_output=True, check=True).stdout.decode("utf-8")
ood = []
for stanza in text.split("\n\n"):
    pkg = re.search(r"^Package: (.+)$", stanza, re.M)
    desc = re.search(r"^Description: (.+)$", stanza, re.M)
    if pkg and desc and len(desc.group(1).split()) >= 4:
        ood.append({"id": pkg.group(1), "text": desc.group(1).strip()})
ood.sort(key=lambda r: r["id"])
random.Random(20261203).shuffle(ood)
with open(os.path.join(out, "ood.jsonl"), "w", encoding="utf-8") as fh:
    for r in ood[:n_ood]:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
print("ood", min(n_ood, len(ood)))
