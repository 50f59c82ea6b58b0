#!/usr/bin/env python3
"""Builds the long-document data set: Linux man-pages (Debian packages manpages and manpages-dev) labelled by
section, rendered to plain text with groff, headers and footers (which name the section) removed.

    python3 make_dataset.py OUT_DIR [PER_CLASS_TRAIN] [PER_CLASS_TEST] [MAX_WORDS]

Classes: syscall (section 2), library (3), overview (7) (section 5 has too few long pages). Pages that only source another page
(".so") and pages under 400 words are skipped; each text is cut to MAX_WORDS words so the files stay small. The split
is seeded and by page, so no page is in both files.
"""
import json, os, random, re, subprocess, sys

out = sys.argv[1]
per_train = int(sys.argv[2]) if len(sys.argv) > 2 else 60
per_test = int(sys.argv[3]) if len(sys.argv) > 3 else 30
max_words = int(sys.argv[4]) if len(sys.argv) > 4 else 900
classes = {"2": "syscall", "3": "library", "7": "overview"}
files = subprocess.run(["dpkg", "-L", "manpages", "manpages-dev"], capture_output=True, text=True).stdout.split()
pages = {s: [] for s in classes}
for f in sorted(files):
    m = re.match(r"/usr/share/man/man([237])/[^/]+\.[237][a-z]*\.gz$", f)
    if m and os.path.isfile(f) and not os.path.islink(f):
        pages[m.group(1)].append(f)

def render(path):
    src = subprocess.run(["zcat", path], capture_output=True).stdout
    if src.lstrip().startswith(b".so "):
        return None
    env = dict(os.environ, MANWIDTH="100", GROFF_NO_SGR="1")
    txt = subprocess.run(["groff", "-man", "-Tutf8", "-P-c", "-P-b", "-P-u", "-rLL=100n", "-t"], input=src,
                         capture_output=True, env=env).stdout.decode("utf-8", "replace")
    lines = [l.rstrip() for l in txt.splitlines()]
    # the first and last non-empty lines are the running header and footer; both name the section
    body = [l for l in lines if l.strip()]
    body = body[1:-1]
    text = " ".join(" ".join(body).split())
    words = text.split(" ")
    return " ".join(words[:max_words]) if len(words) >= 400 else None

rnd = random.Random(20261201)
train, test = [], []
for s, label in classes.items():
    docs = []
    for p in pages[s]:
        t = render(p)
        if t:
            docs.append((os.path.basename(p)[:-3], t))
    rnd.shuffle(docs)
    need = per_train + per_test
    if len(docs) < need:
        sys.exit(f"section {s}: only {len(docs)} usable pages, need {need}")
    for i, (name, t) in enumerate(docs[:need]):
        (train if i < per_train else test).append({"id": name, "label": label, "text": t})
rnd.shuffle(train)
rnd.shuffle(test)
for name, rows in (("train.jsonl", train), ("test.jsonl", test)):
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"{len(train)} training and {len(test)} test pages")
