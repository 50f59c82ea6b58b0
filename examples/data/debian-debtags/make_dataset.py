#!/usr/bin/env python3
"""Builds the multi-label data set: descriptions of Debian 12 (bookworm) packages -> their Debtags.

    python3 make_dataset.py OUT_DIR [TRAIN] [DEV] [TEST] [MAX_WORDS]

Needs apt's package lists of bookworm main with English descriptions (as root:
`apt-get -o Acquire::Languages=en update`): the Tag field comes from the Packages index, the long description from
Translation-en (joined on Description-md5). The text is the short description, a full stop, and the long
description (paragraph marks and bullets dropped), cut to MAX_WORDS words. The label is the set of the package's
tags among LABELS (20 tags from 8 facets, each on at least 50 of the 2500 training packages); packages with none of them are skipped.
Binary packages of one source package describe it in near-identical words, so one binary is kept per source
package (the first by name) and the split is seeded and by source package.
"""
import collections, glob, json, os, random, re, subprocess, sys

out = sys.argv[1]
n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 2500
n_dev = int(sys.argv[3]) if len(sys.argv) > 3 else 500
n_test = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
max_words = int(sys.argv[5]) if len(sys.argv) > 5 else 80
LISTS = glob.glob("/var/lib/apt/lists/*_debian_dists_bookworm_main_binary-amd64_Packages.lz4")
if len(LISTS) != 1:
    sys.exit("need exactly one package index of bookworm main in /var/lib/apt/lists, found %s" % LISTS)
LISTS = LISTS[0][:-len("binary-amd64_Packages.lz4")]
LABELS = [
    "interface::commandline", "interface::graphical", "interface::daemon", "interface::text-mode",
    "uitoolkit::gtk", "uitoolkit::qt",
    "role::devel-lib", "role::documentation", "role::plugin",
    "devel::lang:perl", "implemented-in::python",
    "use::gameplaying", "use::editing", "use::converting", "use::viewing",
    "works-with::text", "works-with::audio", "works-with::image",
    "network::server", "network::client",
]

def stanzas(path):
    text = subprocess.run(["lz4", "-dc", path], capture_output=True, check=True).stdout.decode("utf-8")
    for block in text.split("\n\n"):
        fields, key = {}, None
        for line in block.split("\n"):
            if line.startswith(" ") and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if fields:
            yield fields

long_desc = {}
for t in stanzas(LISTS + "i18n_Translation-en.lz4"):
    if "Description-md5" in t and "Description-en" in t:
        long_desc[t["Description-md5"]] = t["Description-en"]
if not long_desc:
    sys.exit("no English descriptions: run apt-get -o Acquire::Languages=en update")

def describe(full):
    first, _, rest = full.partition("\n")
    words = []
    for line in rest.split("\n"):
        line = line.strip()
        if line in (".", ""):
            continue
        words.extend(re.sub(r"^[*+-] ", "", line).split())
    short = first.strip()
    text = short + ("." if not short.endswith(".") else "") + (" " + " ".join(words) if words else "")
    return " ".join(text.split()[:max_words])

by_source = collections.defaultdict(list)
for p in stanzas(LISTS + "binary-amd64_Packages.lz4"):
    if "Tag" not in p or p.get("Description-md5") not in long_desc:
        continue
    tags = {t.strip() for t in p["Tag"].replace("\n", " ").split(",") if t.strip()}
    labels = [l for l in LABELS if l in tags]
    if not labels:
        continue
    source = p.get("Source", p["Package"]).split()[0]
    by_source[source].append({"id": p["Package"], "text": describe(long_desc[p["Description-md5"]]),
                              "label": labels})
rows = [sorted(v, key=lambda r: r["id"])[0] for k, v in sorted(by_source.items())]
random.Random(20261202).shuffle(rows)
need = n_train + n_dev + n_test
if len(rows) < need:
    sys.exit("only %d packages, need %d" % (len(rows), need))
splits = {"train": rows[:n_train], "dev": rows[n_train:n_train + n_dev], "test": rows[n_train + n_dev:need]}
os.makedirs(out, exist_ok=True)
for name, rs in splits.items():
    with open(os.path.join(out, name + ".jsonl"), "w", encoding="utf-8") as fh:
        for r in rs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = collections.Counter(l for r in rs for l in r["label"])
    print(name, len(rs), "labels/row %.2f" % (sum(len(r["label"]) for r in rs) / len(rs)),
          "rarest", counts.most_common()[-1])
print("pool", len(rows))
