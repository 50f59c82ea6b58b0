/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import ai.loradrop.io.Sha256;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A BERT WordPiece tokenizer that gives the same ids as Hugging Face {@code tokenizers} for a tokenizer.json with
 * a WordPiece model, a {@code BertNormalizer} (or none), a {@code BertPreTokenizer} and a BERT-shaped
 * {@code TemplateProcessing} or {@code BertProcessing} post-processor.
 * <p>
 * The pipeline, as in Hugging Face: added tokens (such as a literal "[MASK]" in the text) are cut out first; the
 * rest is normalized (clean text, space around CJK ideographs, NFD and accent stripping, per code point lower
 * casing), split on white space and punctuation, and each word is split greedily into the longest vocabulary
 * pieces. {@link Tokenizer} adds the special tokens and truncates, as for every model type; nothing is padded.
 * <p>
 * Immutable and thread-safe. Java serialization writes the canonical JSON ({@link #toJsonBytes()}) and the source
 * hash, and rebuilds through {@link #fromJson(byte[], String)}.
 */
public final class WordPieceTokenizer extends Tokenizer {
    private static final long serialVersionUID = 1L;

    private static final Logger logger = Logger.getLogger(WordPieceTokenizer.class.getName());

    /** The special tokens a vocab.txt tokenizer registers, when they are in the vocab (as Hugging Face does). */
    private static final List<String> BERT_SPECIAL_TOKENS = List.of("[UNK]", "[SEP]", "[CLS]", "[PAD]", "[MASK]");

    private final transient TokenizerParts parts;
    private final transient AddedTokenMatcher rawMatcher;
    private final transient AddedTokenMatcher normalizedMatcher;
    private final transient byte[] canonicalJson;
    private final transient String canonicalSha256;
    private final transient String sourceSha256;
    private final transient int vocabSize;
    private final transient SpecialTokens specialTokens;
    private final transient String[] tokens;

    private WordPieceTokenizer(TokenizerParts parts, String sourceSha256) {
        this.parts = parts;
        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> normalized = new ArrayList<>();
        for (AddedToken t : parts.addedTokens) {
            (t.normalized ? normalized : raw).add(t);
        }
        List<String> rawPatterns = new ArrayList<>();
        raw.forEach(t -> rawPatterns.add(t.content));
        List<String> normalizedPatterns = new ArrayList<>();
        // Hugging Face matches normalized added tokens by their normalized content.
        normalized.forEach(t -> normalizedPatterns.add(normalize(t.content)));
        this.rawMatcher = new AddedTokenMatcher(raw, rawPatterns);
        this.normalizedMatcher = new AddedTokenMatcher(normalized, normalizedPatterns);
        this.canonicalJson = TokenizerJsonWriter.write(parts);
        this.canonicalSha256 = sha256(canonicalJson);
        this.sourceSha256 = sourceSha256;
        int maxId = parts.padId;
        for (int id : parts.model.vocab().values()) {
            maxId = Math.max(maxId, id);
        }
        for (AddedToken t : parts.addedTokens) {
            maxId = Math.max(maxId, t.id);
        }
        for (PostProcessorTemplate.Special s : parts.template.specials()) {
            maxId = Math.max(maxId, s.id);
        }
        this.vocabSize = maxId + 1;
        this.specialTokens = parts.template.toSpecialTokens();
        this.tokens = new String[vocabSize];
        parts.model.vocab().forEach((token, id) -> tokens[id] = token);
        for (AddedToken t : parts.addedTokens) {
            tokens[t.id] = t.content;
        }
    }

    /**
     * Loads a tokenizer from a Hugging Face tokenizer.json or a BERT vocab.txt. A file whose name ends in ".json",
     * or whose content starts with '{', is read as tokenizer.json; anything else as a vocab.txt with lower casing
     * (as {@link #fromVocabFile(Path, boolean)} with {@code lowercase = true}).
     * @param path The file.
     * @return The tokenizer.
     * @throws UncheckedIOException If the file cannot be read.
     * @throws IllegalArgumentException If the file is not a supported tokenizer.
     */
    public static WordPieceTokenizer fromFile(Path path) {
        byte[] bytes = readAll(path);
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        WordPieceTokenizer tokenizer;
        if (name.endsWith(".json") || (!name.endsWith(".txt") && Tokenizer.looksLikeJson(bytes))) {
            tokenizer = new WordPieceTokenizer(TokenizerJsonReader.read(bytes, path.toString()), sha256(bytes));
        } else {
            tokenizer = new WordPieceTokenizer(vocabParts(bytes, path.toString(), true), sha256(bytes));
        }
        logger.fine(() -> "Loaded a WordPiece tokenizer with " + tokenizer.vocabSize() + " ids from " + path);
        return tokenizer;
    }

    /**
     * Loads a tokenizer from a BERT vocab.txt: one token per line, the id being the line number from 0 (trailing
     * white space is trimmed and a repeated token takes its last line, as in Hugging Face). It is set up like
     * Hugging Face's {@code BertWordPieceTokenizer}: BertNormalizer with clean text, CJK spacing and accent
     * stripping when lower casing; [CLS] A [SEP] templates; [UNK], [SEP], [CLS], [PAD], [MASK] as special tokens
     * when present. [UNK], [CLS], [SEP] and [PAD] must be in the vocab.
     * @param path The vocab.txt file (UTF-8).
     * @param lowercase Whether to lower case (and therefore strip accents), as for uncased BERT models.
     * @return The tokenizer.
     * @throws UncheckedIOException If the file cannot be read.
     * @throws IllegalArgumentException If a required special token is missing.
     */
    public static WordPieceTokenizer fromVocabFile(Path path, boolean lowercase) {
        byte[] bytes = readAll(path);
        return new WordPieceTokenizer(vocabParts(bytes, path.toString(), lowercase), sha256(bytes));
    }

    /**
     * Builds a tokenizer from tokenizer.json text, for instance {@link #toJson()} of another tokenizer.
     * @param json The JSON text.
     * @return The tokenizer; its {@link #sourceSha256()} is the hash of the UTF-8 bytes of {@code json}.
     * @throws IllegalArgumentException If the JSON is not a supported tokenizer.
     */
    public static WordPieceTokenizer fromJson(String json) {
        return fromJson(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Builds a tokenizer from tokenizer.json bytes, for instance {@link #toJsonBytes()} of another tokenizer.
     * @param json The UTF-8 JSON bytes.
     * @return The tokenizer; its {@link #sourceSha256()} is the hash of {@code json}.
     * @throws IllegalArgumentException If the JSON is not a supported tokenizer.
     */
    public static WordPieceTokenizer fromJson(byte[] json) {
        return fromJson(json, sha256(json));
    }

    /**
     * Rebuilds a tokenizer from stored tokenizer.json bytes, keeping the hash of the file it was first loaded from.
     * @param json The UTF-8 JSON bytes, usually {@link #toJsonBytes()}.
     * @param sourceSha256 The {@link #sourceSha256()} recorded with the bytes (64 lower case hex digits).
     * @return The tokenizer.
     * @throws IllegalArgumentException If the JSON is not a supported tokenizer or the hash is malformed.
     */
    public static WordPieceTokenizer fromJson(byte[] json, String sourceSha256) {
        if (sourceSha256 == null || !sourceSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sourceSha256 must be 64 lower case hex digits, found "
                    + sourceSha256);
        }
        return new WordPieceTokenizer(TokenizerJsonReader.read(json, "JSON"), sourceSha256);
    }

    @Override
    Pieces pieces(String text) {
        IntList ids = new IntList();
        IntList words = new IntList();
        tokenize(text, ids, words);
        return new Pieces(ids.toArray(), words.toArray());
    }

    @Override
    SpecialTokens specialTokens() {
        return specialTokens;
    }

    /**
     * Always {@code WordPiece}.
     * @return The model type.
     */
    @Override
    public String modelType() {
        return "WordPiece";
    }

    @Override
    public String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /**
     * Whether a parsed tokenizer.json is one this class serves exactly (WordPiece model, BertNormalizer or none,
     * BertPreTokenizer, a BERT-shaped post-processor).
     * @param root The parsed tokenizer.json.
     * @return True if {@link #fromJson(byte[], String)} accepts it.
     */
    static boolean supports(com.fasterxml.jackson.databind.JsonNode root) {
        return TokenizerJsonReader.supports(root);
    }

    /**
     * Tokenizes a text completely.
     * @param text The text.
     * @param out Receives the ids.
     * @param wordIds Receives, per id, the index of its pre-tokenized word (-1 for added tokens).
     */
    private void tokenize(String text, IntList out, IntList wordIds) {
        int word = 0;
        List<String> words = new ArrayList<>();
        for (AddedTokenMatcher.Segment raw : rawMatcher.split(text)) {
            if (raw.tokenId >= 0) {
                out.add(raw.tokenId);
                wordIds.add(-1);
                continue;
            }
            for (AddedTokenMatcher.Segment seg : normalizedMatcher.split(normalize(raw.text))) {
                if (seg.tokenId >= 0) {
                    out.add(seg.tokenId);
                    wordIds.add(-1);
                    continue;
                }
                words.clear();
                BertPreTokenizer.split(seg.text, words);
                for (String w : words) {
                    int before = out.size();
                    parts.model.tokenize(w, out);
                    for (int i = before; i < out.size(); i++) {
                        wordIds.add(word);
                    }
                    word++;
                }
            }
        }
    }

    /**
     * The size of the id space: one more than the largest id of the vocab, the added tokens and the special
     * tokens (the row count of the model's embedding table).
     * @return The vocabulary size.
     */
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * The padding token id (from the tokenizer.json padding section, else the id of [PAD]).
     * @return The pad id.
     */
    @Override
    public int padId() {
        return parts.padId;
    }

    /**
     * The id of the first special token of a single-text encoding ([CLS]).
     * @return The [CLS] id.
     */
    public int clsId() {
        return parts.template.singleFirst.id;
    }

    /**
     * The id of the last special token of a single-text encoding ([SEP]).
     * @return The [SEP] id.
     */
    public int sepId() {
        return parts.template.singleSecond.id;
    }

    /**
     * The id of the unknown token ([UNK]).
     * @return The unknown token id.
     */
    @Override
    public int unkId() {
        return parts.model.unkId();
    }

    /**
     * The canonical tokenizer.json text of this tokenizer (see {@link #toJsonBytes()}).
     * @return The JSON text.
     */
    public String toJson() {
        return new String(canonicalJson, StandardCharsets.UTF_8);
    }

    /**
     * The canonical tokenizer.json of this tokenizer: compact UTF-8 JSON with only the fields this class uses, in
     * a fixed order, the vocab sorted by id and {@code strip_accents} made explicit. It rebuilds an identical
     * tokenizer through {@link #fromJson(byte[], String)} and loads in Hugging Face {@code tokenizers} too. The
     * same tokenizer always gives the same bytes, whatever file it was loaded from.
     * @return A copy of the bytes.
     */
    @Override
    public byte[] toJsonBytes() {
        return canonicalJson.clone();
    }

    /**
     * The SHA-256 of {@link #toJsonBytes()}: identifies the tokenizer's behaviour independently of the file format.
     * @return 64 lower case hex digits.
     */
    public String canonicalSha256() {
        return canonicalSha256;
    }

    /**
     * The SHA-256 of the bytes this tokenizer was first loaded from (the tokenizer.json or vocab.txt file, or the
     * JSON given to {@link #fromJson(byte[])}); kept across serialization.
     * @return 64 lower case hex digits.
     */
    @Override
    public String sourceSha256() {
        return sourceSha256;
    }

    /**
     * Two tokenizers are equal when their canonical JSON is equal, i.e. they give the same ids for every text.
     * The source hash is not compared.
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WordPieceTokenizer)) {
            return false;
        }
        WordPieceTokenizer that = (WordPieceTokenizer) o;
        return canonicalSha256.equals(that.canonicalSha256) && Arrays.equals(canonicalJson, that.canonicalJson);
    }

    @Override
    public int hashCode() {
        return canonicalSha256.hashCode();
    }

    @Override
    public String toString() {
        BertNormalizer n = parts.normalizer;
        return "WordPieceTokenizer(vocabSize=" + vocabSize + ", lowercase=" + (n != null && n.lowercase())
                + ", stripAccents=" + (n != null && n.stripAccents()) + ", canonicalSha256=" + canonicalSha256 + ")";
    }

    private String normalize(String text) {
        return parts.normalizer == null ? text : parts.normalizer.normalize(text);
    }

    private static TokenizerParts vocabParts(byte[] bytes, String source, boolean lowercase) {
        String content = new String(bytes, StandardCharsets.UTF_8);
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        Map<String, Integer> vocab = new HashMap<>();
        int lineNumber = 0;
        int start = 0;
        while (start < content.length()) {
            int newline = content.indexOf('\n', start);
            int end = newline < 0 ? content.length() : newline;
            vocab.put(trimEnd(content.substring(start, end)), lineNumber++);
            start = end + 1;
        }
        String[] required = {"[UNK]", "[CLS]", "[SEP]", "[PAD]"};
        for (String token : required) {
            if (!vocab.containsKey(token)) {
                throw new IllegalArgumentException("vocab " + source + " has no " + token + " token");
            }
        }
        List<AddedToken> added = new ArrayList<>();
        for (String token : BERT_SPECIAL_TOKENS) {
            Integer id = vocab.get(token);
            if (id != null) {
                added.add(new AddedToken(id, token, false, false, false, false, true));
            }
        }
        WordPieceModel model = new WordPieceModel(vocab, "[UNK]", "##", 100);
        BertNormalizer normalizer = new BertNormalizer(true, true, lowercase, lowercase);
        PostProcessorTemplate template = PostProcessorTemplate.bert("[CLS]", vocab.get("[CLS]"),
                "[SEP]", vocab.get("[SEP]"));
        return new TokenizerParts(model, normalizer, added, template, "[PAD]", vocab.get("[PAD]"));
    }

    /** Rust's {@code str::trim_end}: drops trailing Unicode white space (which includes '\r'). */
    private static String trimEnd(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!BertCharacters.isWhitespace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    private static byte[] readAll(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read tokenizer file " + path, e);
        }
    }

    private static String sha256(byte[] bytes) {
        return Sha256.of(bytes);
    }

    /**
     * Serializes the canonical JSON and the source hash instead of the internal state.
     * @return The serialized form.
     */
    private Object writeReplace() {
        return new SerializedForm(canonicalJson, sourceSha256);
    }

    /**
     * Rejects streams that bypass the serialized form.
     * @param in The stream.
     * @throws InvalidObjectException Always.
     */
    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("WordPieceTokenizer is deserialized through its SerializedForm");
    }

    /** The serialized form: the canonical JSON and the source hash, rebuilt with {@link #fromJson(byte[], String)}. */
    private static final class SerializedForm implements Serializable {
        private static final long serialVersionUID = 1L;

        private final byte[] json;
        private final String sourceSha256;

        SerializedForm(byte[] json, String sourceSha256) {
            this.json = json;
            this.sourceSha256 = sourceSha256;
        }

        private Object readResolve() throws InvalidObjectException {
            try {
                return fromJson(json, sourceSha256);
            } catch (RuntimeException e) {
                InvalidObjectException ioe = new InvalidObjectException("corrupt serialized WordPieceTokenizer: "
                        + e.getMessage());
                ioe.initCause(e);
                throw ioe;
            }
        }
    }
}
