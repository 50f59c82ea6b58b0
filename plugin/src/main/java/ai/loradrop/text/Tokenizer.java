/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A tokenizer that gives the ids Hugging Face {@code tokenizers} gives for a tokenizer.json: the model-specific
 * part (normalizer, pre-tokenizer, WordPiece / BPE / Unigram / WordLevel model, added tokens) produces untruncated
 * word pieces, and this class does truncation, sentence pairs, special tokens and token type ids in one place for
 * every model type, driven by the tokenizer.json {@code post_processor}.
 * <p>
 * Two implementations: {@link WordPieceTokenizer} (pure Java, for BERT-family WordPiece tokenizers) and
 * {@link HfTokenizer} (Hugging Face's own Rust library through DJL, for everything else). {@link #fromFile(Path)}
 * picks the right one. Truncation follows {@code tokenizers} 0.23's {@code longest_first} (see
 * {@link #encodePair(String, String, int)}). Nothing is padded.
 * <p>
 * Immutable and thread-safe; Java serialization keeps the tokenizer.json bytes and the source hash.
 */
public abstract class Tokenizer implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Only this package implements tokenizers. */
    Tokenizer() {}

    /**
     * Loads a tokenizer from a Hugging Face tokenizer.json, or a BERT vocab.txt (any file that is not JSON). A
     * WordPiece tokenizer.json with BERT's normalizer and pre-tokenizer is served by the pure-Java
     * {@link WordPieceTokenizer}; any other tokenizer.json by {@link HfTokenizer}.
     * @param path The file.
     * @return The tokenizer.
     * @throws UncheckedIOException If the file cannot be read.
     * @throws IllegalArgumentException If the file is not a tokenizer this library can load.
     */
    public static Tokenizer fromFile(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read tokenizer file " + path, e);
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".txt") || !looksLikeJson(bytes)) {
            return WordPieceTokenizer.fromFile(path);
        }
        return fromJson(bytes, ai.loradrop.io.Sha256.of(bytes), path.toString());
    }

    /**
     * Rebuilds a tokenizer from stored tokenizer.json bytes ({@link #toJsonBytes()} of a tokenizer), keeping the
     * hash of the file it was first loaded from.
     * @param json The UTF-8 tokenizer.json bytes.
     * @param sourceSha256 The {@link #sourceSha256()} recorded with them (64 lower case hex digits).
     * @return The tokenizer.
     * @throws IllegalArgumentException If the JSON is not a tokenizer this library can load.
     */
    public static Tokenizer fromJson(byte[] json, String sourceSha256) {
        return fromJson(json, sourceSha256, "JSON");
    }

    private static Tokenizer fromJson(byte[] json, String sourceSha256, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON in tokenizer " + source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("tokenizer " + source + " is not a JSON object");
        }
        String type = root.path("model").path("type").asText("");
        if (type.equals("WordPiece") && WordPieceTokenizer.supports(root)) {
            return WordPieceTokenizer.fromJson(json, sourceSha256);
        }
        return HfTokenizer.fromJson(json, sourceSha256, root, source);
    }

    // ------------------------------------------------------------------------------------------ what a model gives

    /**
     * The untruncated word pieces of a text, without special tokens.
     * @param text The text.
     * @return The pieces.
     */
    abstract Pieces pieces(String text);

    /** The special tokens and type ids, from the post-processor. */
    abstract SpecialTokens specialTokens();

    /**
     * The tokenizer.json model type: {@code WordPiece}, {@code BPE}, {@code Unigram} or {@code WordLevel}.
     * @return The model type.
     */
    public abstract String modelType();

    /**
     * The size of the id space: one more than the largest id of the vocabulary, the added tokens and the special
     * tokens (the row count the model's embedding table needs at least).
     * @return The vocabulary size.
     */
    public abstract int vocabSize();

    /**
     * The padding token id (the tokenizer.json padding section, else the id of the padding token of the vocab).
     * Models that compute position ids from the input ids (RoBERTa, XLM-R) need exactly this id at padded positions.
     * @return The pad id.
     */
    public abstract int padId();

    /**
     * The id of the unknown token.
     * @return The id, or -1 when the model has none (byte-level BPE needs none).
     */
    public abstract int unkId();

    /**
     * The token string of an id (vocabulary entry or added token).
     * @param id An id.
     * @return The token, or null if no token has this id.
     */
    public abstract String token(int id);

    /**
     * The tokenizer.json bytes this tokenizer serializes to and is rebuilt from by {@link #fromJson(byte[], String)}.
     * @return A copy of the bytes.
     */
    public abstract byte[] toJsonBytes();

    /**
     * The SHA-256 of the bytes this tokenizer was first loaded from; kept across serialization.
     * @return 64 lower case hex digits.
     */
    public abstract String sourceSha256();

    // ------------------------------------------------------------------------------------------ the one place

    /**
     * The word piece ids of a text, without special tokens and without truncation. Added tokens written in the
     * text (such as "[MASK]") give their own id.
     * @param text The text.
     * @return The ids.
     */
    public int[] tokenIds(String text) {
        return pieces(text).ids.clone();
    }

    /**
     * The number of special tokens added to a single text (2 for BERT and RoBERTa).
     * @return The count.
     */
    public int singleSpecialCount() {
        return specialTokens().singleCount();
    }

    /**
     * The number of special tokens added to a pair (3 for BERT, 4 for RoBERTa).
     * @return The count.
     */
    public int pairSpecialCount() {
        return specialTokens().pairCount();
    }

    /**
     * The ids of the special tokens around a single text, in order (for instance [CLS] and [SEP], or &lt;s&gt; and
     * &lt;/s&gt;).
     * @return The ids; empty when the tokenizer adds none.
     */
    public int[] singleSpecialIds() {
        return specialTokens().singleSpecialIds();
    }

    /**
     * Encodes a text with its special tokens, without truncation.
     * @param text The text.
     * @return The encoding.
     */
    public Encoding encode(String text) {
        return encode(text, Integer.MAX_VALUE);
    }

    /**
     * Encodes a text with its special tokens, keeping at most {@code maxLength} tokens: word pieces are dropped from
     * the end of the text and the special tokens are kept.
     * @param text The text.
     * @param maxLength The maximum number of tokens, special tokens included; at least the number of special tokens.
     * @return The encoding.
     * @throws IllegalArgumentException If {@code maxLength} is smaller than the number of special tokens.
     */
    public Encoding encode(String text, int maxLength) {
        int budget = budget(maxLength, singleSpecialCount());
        int[] ids = pieces(text).ids;
        boolean truncated = ids.length > budget;
        return specialTokens().single(truncated ? Arrays.copyOf(ids, budget) : ids, truncated, ids.length);
    }

    /**
     * Encodes a pair with its special tokens and type ids, without truncation.
     * @param first The first text.
     * @param second The second text.
     * @return The encoding.
     */
    public Encoding encodePair(String first, String second) {
        return encodePair(first, second, Integer.MAX_VALUE);
    }

    /**
     * Encodes a pair with its special tokens and type ids, truncated as Hugging Face {@code tokenizers} 0.23 does
     * with {@code longest_first}. Word pieces are dropped from the end of each text. Let
     * {@code budget = maxLength - pairSpecialCount()}, and let each text's length be its number of pieces up to the
     * end of the first word at which the count reaches {@code maxLength} (the early exit of {@code tokenizers}
     * 0.23, which stops tokenizing a text there); then:
     * <ul>
     *     <li>if the shorter text fits in the budget and the longer one can take the rest, the shorter keeps all
     *     its pieces and the longer keeps {@code budget - shorter};</li>
     *     <li>otherwise both are cut to {@code budget / 2} and the longer one gets the odd token
     *     ({@code budget % 2}); when both lengths are equal, the second text gets it.</li>
     * </ul>
     * This is not "remove one token at a time from the longer text" (the slow Python tokenizers' rule), which
     * gives the odd token to the other side on ties, nor {@code tokenizers} 0.21's rule (no early exit).
     * @param first The first text.
     * @param second The second text.
     * @param maxLength The maximum number of tokens, special tokens included.
     * @return The encoding.
     * @throws IllegalArgumentException If {@code maxLength} is smaller than the number of special tokens of a pair.
     */
    public Encoding encodePair(String first, String second, int maxLength) {
        int specials = pairSpecialCount();
        if (maxLength < specials) {
            throw new IllegalArgumentException("maxLength must be at least " + specials
                    + " (the number of special tokens of a pair), found " + maxLength);
        }
        int budget = maxLength - specials;
        Pieces a = pieces(first);
        Pieces b = pieces(second);
        int total = a.size() + b.size();
        if (total <= budget) {
            return specialTokens().pair(a.ids, b.ids, false, total);
        }
        int[] keep = longestFirst(a.measured(maxLength), b.measured(maxLength), budget);
        return specialTokens().pair(Arrays.copyOf(a.ids, Math.min(keep[0], a.size())),
                Arrays.copyOf(b.ids, Math.min(keep[1], b.size())), true, total);
    }

    /**
     * Hugging Face's {@code longest_first} split of a budget between two sequences that do not fit together.
     * @return The number of pieces to keep of the first and the second sequence.
     */
    static int[] longestFirst(int n1, int n2, int budget) {
        boolean swap = n1 > n2;
        int shorter = swap ? n2 : n1;
        int longer = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
        if (shorter + longer > budget) {
            shorter = budget / 2;
            longer = shorter + budget % 2;
        }
        return swap ? new int[]{longer, shorter} : new int[]{shorter, longer};
    }

    /**
     * Encodes a text that may be longer than {@code maxLength} tokens as the given policy says: one encoding for
     * {@link LongText#TRUNCATE} and {@link LongText#HEAD_TAIL}, one or more for {@link LongText#WINDOWS}.
     * <p>
     * {@code WINDOWS}: the word pieces are cut into windows of {@code budget = maxLength - singleSpecialCount()}
     * pieces starting every {@code stride} pieces; the last window ends at the last piece (so every window of a long
     * text is full); each window gets the special tokens. A text that fits gives one encoding, as with
     * {@code TRUNCATE}. Every window of a text that did not fit reports {@code truncated() == true} and the text's
     * full piece count.
     * <p>
     * {@code HEAD_TAIL}: keeps the first {@code budget / 4} pieces and the last {@code budget - budget / 4}.
     * @param text The text.
     * @param maxLength The maximum number of tokens per encoding, special tokens included.
     * @param mode What to do with a long text.
     * @param stride For {@code WINDOWS}, the distance in word pieces between the starts of two windows, from 1 to
     *               the budget; ignored otherwise.
     * @return The encodings, at least one.
     * @throws IllegalArgumentException If {@code maxLength} is smaller than the number of special tokens, or the
     *                                  stride is out of range for {@code WINDOWS}.
     */
    public List<Encoding> encodeLong(String text, int maxLength, LongText mode, int stride) {
        int budget = budget(maxLength, singleSpecialCount());
        int[] ids = pieces(text).ids;
        if (ids.length <= budget || mode == LongText.TRUNCATE) {
            boolean truncated = ids.length > budget;
            return List.of(specialTokens().single(truncated ? Arrays.copyOf(ids, budget) : ids, truncated, ids.length));
        }
        if (mode == LongText.HEAD_TAIL) {
            int head = budget / 4;
            int[] kept = new int[budget];
            System.arraycopy(ids, 0, kept, 0, head);
            System.arraycopy(ids, ids.length - (budget - head), kept, head, budget - head);
            return List.of(specialTokens().single(kept, true, ids.length));
        }
        checkStride(stride, maxLength);
        List<Encoding> out = new ArrayList<>();
        int start = 0;
        while (true) {
            int s = Math.min(start, ids.length - budget);
            out.add(specialTokens().single(Arrays.copyOfRange(ids, s, s + budget), true, ids.length));
            if (s + budget >= ids.length) {
                return out;
            }
            start += stride;
        }
    }

    /**
     * Checks a window stride against the budget of {@code maxLength}.
     * @param stride The stride in word pieces.
     * @param maxLength The maximum number of tokens per window, special tokens included.
     * @throws IllegalArgumentException If the stride is below 1 or above the window's word-piece budget.
     */
    public void checkStride(int stride, int maxLength) {
        int budget = budget(maxLength, singleSpecialCount());
        if (stride < 1 || stride > budget) {
            throw new IllegalArgumentException("windowStride must be between 1 and " + budget + " (maxLength " + maxLength
                    + " minus " + singleSpecialCount() + " special tokens), found " + stride);
        }
    }

    private static int budget(int maxLength, int specials) {
        if (maxLength < specials) {
            throw new IllegalArgumentException("maxLength must be at least " + specials
                    + " (the number of special tokens), found " + maxLength);
        }
        return maxLength - specials;
    }

    static boolean looksLikeJson(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '{') {
                return true;
            }
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n' && (b & 0xFF) != 0xEF && (b & 0xFF) != 0xBB
                    && (b & 0xFF) != 0xBF) {
                return false;
            }
        }
        return false;
    }
}
