#!/usr/bin/env python3
"""Builds the small BPE, Unigram and WordLevel tokenizer.json files of the tokenizer parity tests.

Plain Python 3, no packages: it learns a few hundred merges (byte-level BPE as in RoBERTa/GPT-2, classic BPE with an
end-of-word suffix), a Unigram vocabulary with log-probability scores (as SentencePiece conversions such as XLM-R
carry) and a WordLevel vocabulary from the text given on the command line (the files here were made from the
licence texts in Debian's /usr/share/common-licenses). Which ids these files give is decided by Hugging Face
tokenizers (the parity test's oracle), not by this script: it only has to write real tokenizer.json files.

    python3 make_test_tokenizers.py OUT_DIR corpus.txt...
"""
import collections, json, math, re, sys

out_dir, corpus_files = sys.argv[1], sys.argv[2:]
text = "\n".join(open(f, encoding="utf-8", errors="replace").read() for f in corpus_files)
words = re.findall(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+", text)

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, [chr(c) for c in cs]))

def learn_merges(word_counts, n_merges):
    """word_counts: {tuple(symbols): count}. Returns the merges, most frequent pair first."""
    words = dict(word_counts)
    merges = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        (a, b), c = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if c < 2:
            break
        merges.append((a, b))
        new = {}
        for w, cnt in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(a + b); i += 2
                else:
                    out.append(w[i]); i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + cnt
        words = new
    return merges

def dump(name, obj):
    with open(f"{out_dir}/{name}", "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)

def added(i, content, special=True, lstrip=False):
    return {"id": i, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
            "normalized": not special, "special": special}

# Byte-level BPE, RoBERTa layout: <s>=0 <pad>=1 </s>=2 <unk>=3, the 256 byte symbols, the merges, <mask> last.
b2u = bytes_to_unicode()
bl_counts = collections.Counter(tuple(b2u[b] for b in w.encode("utf-8")) for w in words)
bl_merges = learn_merges(bl_counts, 400)
vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
for b in range(256):
    vocab.setdefault(b2u[b], len(vocab))
for a, b in bl_merges:
    vocab.setdefault(a + b, len(vocab))
mask_id = len(vocab)
dump("roberta-bytelevel-bpe.json", {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                     added(mask_id, "<mask>", lstrip=True)],
    "normalizer": None,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                       "trim_offsets": True, "add_prefix_space": False},
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
              "vocab": vocab, "merges": [a + " " + b for a, b in bl_merges]}})

# Classic BPE (characters with an end-of-word suffix, as OpenAI GPT), lower case, BertProcessing specials.
plain = [w.strip().lower() for w in words if w.strip()]
cl_counts = collections.Counter(tuple(list(w[:-1]) + [w[-1] + "</w>"]) for w in plain)
cl_merges = learn_merges(cl_counts, 300)
vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}
for w in sorted(cl_counts):
    for s in w:
        vocab.setdefault(s, len(vocab))
for a, b in cl_merges:
    vocab.setdefault(a + b, len(vocab))
dump("classic-bpe.json", {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [added(0, "[PAD]"), added(1, "[UNK]"), added(2, "[CLS]"), added(3, "[SEP]")],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Lowercase"}, {"type": "StripAccents"}]},
    "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
    "decoder": {"type": "BPEDecoder", "suffix": "</w>"},
    "model": {"type": "BPE", "dropout": None, "unk_token": "[UNK]", "continuing_subword_prefix": None,
              "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
              "vocab": vocab, "merges": [[a, b] for a, b in cl_merges]}})

# Unigram, XLM-R layout: <s>=0 <pad>=1 </s>=2 <unk>=3, pieces "▁word"/"sub" with log probabilities, <mask> last.
spaced = ["\u2581" + w.strip() for w in words if w.strip()]
sub = collections.Counter()
for w in spaced:
    for i in range(len(w)):
        for j in range(i + 1, min(len(w), i + 8) + 1):
            sub[w[i:j]] += 1
chars = {c for w in spaced for c in w}
pieces = [p for p, c in sub.most_common(3000) if c >= 3]
for c in sorted(chars):
    if c not in pieces:
        pieces.append(c)
total = sum(sub[p] for p in pieces) or 1
vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
vocab += [[p, round(math.log(max(sub[p], 1) / total), 6)] for p in pieces]
mask_id = len(vocab)
vocab.append(["<mask>", 0.0])
dump("xlmr-unigram.json", {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                     added(mask_id, "<mask>", lstrip=True)],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"},
                   {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "post_processor": {"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                           "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
    "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False}})

# WordLevel, lower case, no post-processor (no special tokens added).
wl = collections.Counter(w.strip().lower() for w in words if w.strip())
vocab = {"<unk>": 0, "<pad>": 1}
for w, _ in wl.most_common(1500):
    vocab.setdefault(w, len(vocab))
dump("wordlevel.json", {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [added(0, "<unk>"), added(1, "<pad>")],
    "normalizer": {"type": "Lowercase"},
    "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": None, "decoder": None,
    "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"}})
