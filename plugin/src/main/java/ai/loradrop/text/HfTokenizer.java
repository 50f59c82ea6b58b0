/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Any Hugging Face tokenizer.json — BPE (byte-level as in RoBERTa and GPT-2, or classic merges), Unigram (XLM-R and
 * other SentencePiece conversions), WordLevel, or a WordPiece with other normalizers — through Hugging Face's own Rust
 * {@code tokenizers} library (DJL's {@code ai.djl.huggingface:tokenizers}, with bundled native libraries, never
 * downloading anything).
 * <p>
 * The library only produces the untruncated word pieces of each text (its normalizer, pre-tokenizer, model and added
 * tokens); truncation, pairs, special tokens and type ids are done by {@link Tokenizer} from the tokenizer.json
 * {@code post_processor}, as for every model type. Never the library's own truncation: on a pair it builds every
 * overflow window of both texts, and its {@code longest_first} rule is the 0.21 one.
 * <p>
 * The native library is extracted on first use into DJL's cache folder, or into the folder given by the system
 * property {@value TokenizerNatives#NATIVE_DIR_PROPERTY}; an unwritable folder is an {@link IllegalStateException}
 * that says so. Immutable and thread-safe; Java serialization keeps the tokenizer.json bytes and the source hash.
 */
public final class HfTokenizer extends Tokenizer {
    private static final long serialVersionUID = 1L;
    private static final Logger logger = Logger.getLogger(HfTokenizer.class.getName());

    /** Padding tokens looked up, in order, when the tokenizer.json has no padding section. */
    private static final List<String> PAD_TOKENS = List.of("<pad>", "[PAD]", "<|pad|>", "<|padding|>");

    private final transient byte[] json;
    private final transient String sourceSha256;
    private final transient String modelType;
    private final transient String[] tokens;
    private final transient int padId;
    private final transient int unkId;
    private final transient SpecialTokens specialTokens;
    private final transient HuggingFaceTokenizer native_;

    private HfTokenizer(byte[] json, String sourceSha256, JsonNode root, String source) {
        this.json = json.clone();
        this.sourceSha256 = sourceSha256;
        try {
            JsonNode model = root.path("model");
            this.modelType = model.path("type").asText("");
            if (modelType.isEmpty()) {
                throw new IllegalArgumentException("'model.type' is missing");
            }
            Map<String, Integer> ids = vocabulary(model, modelType);
            addAddedTokens(root.get("added_tokens"), ids);
            this.specialTokens = postProcessor(root.get("post_processor"));
            int max = Math.max(specialTokens.maxId(), -1);
            for (int id : ids.values()) {
                max = Math.max(max, id);
            }
            this.tokens = new String[max + 1];
            ids.forEach((t, id) -> {
                if (tokens[id] == null) {
                    tokens[id] = t;
                }
            });
            this.padId = padId(root.get("padding"), ids);
            this.unkId = unkId(model, ids);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tokenizer " + source + ": " + e.getMessage(), e);
        }
        TokenizerNatives.ensureReady();
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "false");
        options.put("truncation", "false");
        options.put("padding", "false");
        try {
            this.native_ = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Hugging Face tokenizers cannot load the tokenizer " + source + ": "
                    + e.getMessage(), e);
        }
        logger.fine(() -> "Loaded a " + modelType + " tokenizer with " + tokens.length + " ids from " + source);
    }

    /**
     * Loads any tokenizer.json through Hugging Face {@code tokenizers}, also a WordPiece one that
     * {@link Tokenizer#fromFile(java.nio.file.Path)} would serve with the pure-Java {@link WordPieceTokenizer} (for
     * comparisons).
     * @param path The tokenizer.json file.
     * @return The tokenizer.
     * @throws java.io.UncheckedIOException If the file cannot be read.
     * @throws IllegalArgumentException If the file is not a tokenizer.json the library loads.
     */
    public static HfTokenizer fromFile(java.nio.file.Path path) {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not read tokenizer file " + path, e);
        }
        JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON in tokenizer " + path + ": " + e.getMessage(), e);
        }
        return new HfTokenizer(bytes, ai.loradrop.io.Sha256.of(bytes), root, path.toString());
    }

    /**
     * Loads a tokenizer.json through Hugging Face {@code tokenizers}.
     * @param json The UTF-8 tokenizer.json bytes.
     * @param sourceSha256 The hash recorded as {@link #sourceSha256()}.
     * @param root The parsed JSON.
     * @param source Where the bytes come from, for error messages.
     * @return The tokenizer.
     */
    static HfTokenizer fromJson(byte[] json, String sourceSha256, JsonNode root, String source) {
        return new HfTokenizer(json, sourceSha256, root, source);
    }

    @Override
    Pieces pieces(String text) {
        ai.djl.huggingface.tokenizers.Encoding e = native_.encode(text, false, false);
        long[] ids = e.getIds();
        long[] words = e.getWordIds();
        int[] out = new int[ids.length];
        int[] wordIds = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
            wordIds[i] = words.length == ids.length ? (int) words[i] : i;
        }
        return new Pieces(out, wordIds);
    }

    /**
     * The token strings of a text's word pieces, as the library names them (for instance "Ġworld" for byte-level
     * BPE or "▁world" for Unigram), without special tokens and without truncation.
     * @param text The text.
     * @return The tokens.
     */
    public String[] pieceTokens(String text) {
        return native_.encode(text, false, false).getTokens();
    }

    @Override
    SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public int unkId() {
        return unkId;
    }

    @Override
    public String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /**
     * The tokenizer.json bytes exactly as loaded.
     * @return A copy of the bytes.
     */
    @Override
    public byte[] toJsonBytes() {
        return json.clone();
    }

    @Override
    public String sourceSha256() {
        return sourceSha256;
    }

    @Override
    public String toString() {
        return "HfTokenizer(model=" + modelType + ", vocabSize=" + tokens.length + ", padId=" + padId
                + ", sourceSha256=" + sourceSha256 + ")";
    }

    // ------------------------------------------------------------------------------------------ tokenizer.json

    private static Map<String, Integer> vocabulary(JsonNode model, String type) {
        JsonNode vocab = model.get("vocab");
        Map<String, Integer> ids = new HashMap<>();
        if ("Unigram".equals(type)) {
            if (vocab == null || !vocab.isArray()) {
                throw new IllegalArgumentException("'model.vocab' of a Unigram model must be a list of [piece, score]");
            }
            for (int i = 0; i < vocab.size(); i++) {
                ids.putIfAbsent(vocab.get(i).path(0).asText(), i);
            }
        } else {
            if (vocab == null || !vocab.isObject()) {
                throw new IllegalArgumentException("'model.vocab' of a " + type + " model must map tokens to ids");
            }
            Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isIntegralNumber() || e.getValue().intValue() < 0) {
                    throw new IllegalArgumentException("'model.vocab' entry '" + e.getKey() + "' has id " + e.getValue()
                            + ", expected a non-negative integer");
                }
                ids.put(e.getKey(), e.getValue().intValue());
            }
        }
        return ids;
    }

    /** Added tokens take their vocabulary id, or the next id after the vocabulary (as Hugging Face loads them). */
    private static void addAddedTokens(JsonNode added, Map<String, Integer> ids) {
        if (added == null || !added.isArray()) {
            return;
        }
        int next = ids.size();
        for (JsonNode t : added) {
            String content = t.path("content").asText("");
            if (!content.isEmpty() && !ids.containsKey(content)) {
                ids.put(content, next++);
            }
        }
    }

    private static int unkId(JsonNode model, Map<String, Integer> ids) {
        JsonNode unkId = model.get("unk_id");
        if (unkId != null && unkId.isIntegralNumber()) {
            return unkId.intValue();
        }
        JsonNode unk = model.get("unk_token");
        if (unk != null && unk.isTextual()) {
            return ids.getOrDefault(unk.asText(), -1);
        }
        return -1;
    }

    private static int padId(JsonNode padding, Map<String, Integer> ids) {
        if (padding != null && padding.isObject() && padding.get("pad_id") != null) {
            return padding.get("pad_id").asInt();
        }
        for (String t : PAD_TOKENS) {
            Integer id = ids.get(t);
            if (id != null) {
                return id;
            }
        }
        logger.warning("The tokenizer has no padding section and none of the tokens " + PAD_TOKENS
                + "; padding with id 0");
        return 0;
    }

    /** The special tokens of a tokenizer.json post_processor. */
    static SpecialTokens postProcessor(JsonNode node) {
        if (node == null || node.isNull()) {
            return SpecialTokens.none();
        }
        String type = node.path("type").asText("");
        switch (type) {
            case "BertProcessing":
                return SpecialTokens.bert(pairToken(node, "cls"), pairId(node, "cls"), pairToken(node, "sep"),
                        pairId(node, "sep"));
            case "RobertaProcessing":
                return SpecialTokens.roberta(pairToken(node, "cls"), pairId(node, "cls"), pairToken(node, "sep"),
                        pairId(node, "sep"));
            case "TemplateProcessing":
                return template(node);
            case "ByteLevel":
                return SpecialTokens.none();
            case "Sequence": {
                SpecialTokens found = null;
                for (JsonNode p : node.path("processors")) {
                    String t = p.path("type").asText("");
                    if (t.equals("ByteLevel")) {
                        continue;
                    }
                    if (found != null) {
                        throw new IllegalArgumentException("post_processor Sequence with more than one processor that "
                                + "adds special tokens is not supported");
                    }
                    found = postProcessor(p);
                }
                return found == null ? SpecialTokens.none() : found;
            }
            default:
                throw new IllegalArgumentException("unsupported post_processor type '" + type + "': supported are "
                        + "BertProcessing, RobertaProcessing, TemplateProcessing, ByteLevel, Sequence, or none");
        }
    }

    private static String pairToken(JsonNode node, String field) {
        JsonNode p = node.get(field);
        if (p == null || !p.isArray() || p.size() != 2 || !p.get(0).isTextual() || !p.get(1).isIntegralNumber()) {
            throw new IllegalArgumentException(node.path("type").asText() + " needs '" + field + "' as a [token, id] pair");
        }
        return p.get(0).asText();
    }

    private static int pairId(JsonNode node, String field) {
        pairToken(node, field);
        return node.get(field).get(1).intValue();
    }

    private static SpecialTokens template(JsonNode node) {
        JsonNode specials = node.get("special_tokens");
        Map<String, int[]> specialIds = new HashMap<>();
        if (specials != null && specials.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = specials.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode list = e.getValue().get("ids");
                if (list == null || !list.isArray() || list.isEmpty()) {
                    throw new IllegalArgumentException("TemplateProcessing special token '" + e.getKey() + "' has no ids");
                }
                int[] ids = new int[list.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = list.get(i).intValue();
                }
                specialIds.put(e.getKey(), ids);
            }
        }
        return new SpecialTokens(pieces(node.get("single"), "single", specialIds),
                pieces(node.get("pair"), "pair", specialIds));
    }

    private static List<SpecialTokens.Piece> pieces(JsonNode node, String name, Map<String, int[]> specialIds) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("TemplateProcessing without a '" + name + "' template");
        }
        List<SpecialTokens.Piece> out = new ArrayList<>();
        for (JsonNode piece : node) {
            JsonNode special = piece.get("SpecialToken");
            JsonNode sequence = piece.get("Sequence");
            if (special != null) {
                String token = special.path("id").asText();
                int[] ids = specialIds.get(token);
                if (ids == null) {
                    throw new IllegalArgumentException("TemplateProcessing '" + name + "' uses special token '" + token
                            + "' missing from special_tokens");
                }
                out.add(SpecialTokens.Piece.special(token, ids, special.path("type_id").asInt(0)));
            } else if (sequence != null) {
                String id = sequence.path("id").asText();
                if (!id.equals("A") && !id.equals("B")) {
                    throw new IllegalArgumentException("TemplateProcessing '" + name + "' has sequence '" + id
                            + "'; expected A or B");
                }
                out.add(SpecialTokens.Piece.sequence(id.charAt(0), sequence.path("type_id").asInt(0)));
            } else {
                throw new IllegalArgumentException("TemplateProcessing '" + name + "' has an unknown piece " + piece);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ serialization

    private Object writeReplace() {
        return new SerializedForm(json, sourceSha256);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("HfTokenizer is deserialized through its SerializedForm");
    }

    /** The serialized form: the tokenizer.json bytes and the source hash. */
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
                return Tokenizer.fromJson(json, sourceSha256);
            } catch (RuntimeException e) {
                InvalidObjectException ioe = new InvalidObjectException("corrupt serialized tokenizer: " + e.getMessage());
                ioe.initCause(e);
                throw ioe;
            }
        }
    }
}
