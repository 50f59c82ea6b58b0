/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads the parts of a Hugging Face tokenizer.json that a BERT WordPiece tokenizer needs, rejecting everything
 * else with an {@link IllegalArgumentException} that names the unsupported component.
 */
final class TokenizerJsonReader {

    private static final Logger logger = Logger.getLogger(TokenizerJsonReader.class.getName());

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TokenizerJsonReader() {}

    /**
     * Parses a tokenizer.json.
     * @param json The UTF-8 JSON bytes.
     * @param source A description of where the bytes came from, for error messages.
     * @return The tokenizer parts.
     */
    static TokenizerParts read(byte[] json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON in tokenizer " + source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("tokenizer " + source + " is not a JSON object");
        }
        try {
            return read(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tokenizer " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether a parsed tokenizer.json is a WordPiece tokenizer this reader accepts.
     * @param root The parsed JSON.
     * @return True if {@link #read(byte[], String)} would succeed on it.
     */
    static boolean supports(JsonNode root) {
        try {
            read(root);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static TokenizerParts read(JsonNode root) {
        WordPieceModel model = readModel(root.get("model"));
        BertNormalizer normalizer = readNormalizer(root.get("normalizer"));
        checkPreTokenizer(root.get("pre_tokenizer"));
        List<AddedToken> added = readAddedTokens(root.get("added_tokens"), model.vocab());
        Map<String, Integer> allIds = new HashMap<>(model.vocab());
        for (AddedToken t : added) {
            allIds.put(t.content, t.id);
        }
        PostProcessorTemplate template = readPostProcessor(root.get("post_processor"), allIds);
        JsonNode padding = root.get("padding");
        String padToken;
        int padId;
        if (isPresent(padding)) {
            padToken = text(padding, "pad_token", "[PAD]", "padding");
            padId = integer(padding, "pad_id", 0, "padding");
        } else {
            padToken = "[PAD]";
            Integer id = allIds.get(padToken);
            if (id == null) {
                throw new IllegalArgumentException("no padding section and no [PAD] token in the vocab");
            }
            padId = id;
        }
        if (isPresent(root.get("truncation")) && logger.isLoggable(Level.FINE)) {
            logger.fine("Ignoring the tokenizer.json truncation section; truncation is set per encode call");
        }
        return new TokenizerParts(model, normalizer, added, template, padToken, padId);
    }

    private static WordPieceModel readModel(JsonNode model) {
        if (!isPresent(model) || !model.isObject()) {
            throw new IllegalArgumentException("missing 'model' section");
        }
        String type = text(model, "type", null, "model");
        if (type == null) {
            throw new IllegalArgumentException("'model.type' is missing; only WordPiece models are supported");
        }
        if (!"WordPiece".equals(type)) {
            throw new IllegalArgumentException("unsupported model type '" + type
                    + "': only WordPiece (BERT-family) tokenizers are supported");
        }
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw new IllegalArgumentException("'model.vocab' must be an object mapping tokens to ids");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        Iterator<Map.Entry<String, JsonNode>> fields = vocabNode.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode id = e.getValue();
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.intValue() < 0) {
                throw new IllegalArgumentException("'model.vocab' entry '" + e.getKey()
                        + "' has id " + id + ", expected a non-negative integer");
            }
            vocab.put(e.getKey(), id.intValue());
        }
        String unk = text(model, "unk_token", "[UNK]", "model");
        String prefix = text(model, "continuing_subword_prefix", "##", "model");
        int maxChars = integer(model, "max_input_chars_per_word", 100, "model");
        return new WordPieceModel(vocab, unk, prefix, maxChars);
    }

    private static BertNormalizer readNormalizer(JsonNode node) {
        if (!isPresent(node)) {
            return null;
        }
        String type = text(node, "type", null, "normalizer");
        if (!"BertNormalizer".equals(type)) {
            throw new IllegalArgumentException("unsupported normalizer type '" + type
                    + "': only BertNormalizer (or none) is supported");
        }
        boolean lowercase = bool(node, "lowercase", true, "normalizer");
        JsonNode strip = node.get("strip_accents");
        boolean stripAccents;
        if (strip == null || strip.isNull()) {
            // Hugging Face: unset strip_accents follows lowercase.
            stripAccents = lowercase;
        } else if (strip.isBoolean()) {
            stripAccents = strip.booleanValue();
        } else {
            throw new IllegalArgumentException("'normalizer.strip_accents' must be true, false or null, found "
                    + strip);
        }
        return new BertNormalizer(bool(node, "clean_text", true, "normalizer"),
                bool(node, "handle_chinese_chars", true, "normalizer"), stripAccents, lowercase);
    }

    private static void checkPreTokenizer(JsonNode node) {
        if (!isPresent(node)) {
            throw new IllegalArgumentException("no pre_tokenizer: only BertPreTokenizer is supported");
        }
        String type = text(node, "type", null, "pre_tokenizer");
        if (!"BertPreTokenizer".equals(type)) {
            throw new IllegalArgumentException("unsupported pre_tokenizer type '" + type
                    + "': only BertPreTokenizer is supported");
        }
    }

    /**
     * Reads the added tokens and gives them the ids Hugging Face gives them on load: the ids written in the file
     * are not used; a token whose content is in the model vocab gets that id, any other token the next id after
     * the vocab size (the number of vocab entries), in file order. A repeated content keeps its first id and
     * takes the flags of its last entry.
     */
    private static List<AddedToken> readAddedTokens(JsonNode node, Map<String, Integer> vocab) {
        if (!isPresent(node)) {
            return new ArrayList<>();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("'added_tokens' must be an array");
        }
        Map<String, Integer> idByContent = new HashMap<>();
        Map<Integer, AddedToken> byId = new LinkedHashMap<>();
        int nextId = vocab.size();
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            String where = "added_tokens[" + i + "]";
            String content = text(t, "content", null, where);
            if (content == null) {
                throw new IllegalArgumentException("'" + where + ".content' is missing");
            }
            if (content.isEmpty()) {
                continue;
            }
            Integer id = idByContent.get(content);
            if (id == null) {
                id = vocab.get(content);
            }
            if (id == null) {
                id = nextId++;
            }
            int fileId = integer(t, "id", id, where);
            if (fileId != id) {
                logger.warning("Added token '" + content + "' has id " + fileId + " in the tokenizer.json but gets id "
                        + id + ", as in Hugging Face");
            }
            boolean special = bool(t, "special", false, where);
            idByContent.put(content, id);
            byId.put(id, new AddedToken(id, content, bool(t, "single_word", false, where),
                    bool(t, "lstrip", false, where), bool(t, "rstrip", false, where),
                    bool(t, "normalized", !special, where), special));
        }
        return new ArrayList<>(byId.values());
    }

    private static PostProcessorTemplate readPostProcessor(JsonNode node, Map<String, Integer> ids) {
        if (!isPresent(node)) {
            Integer cls = ids.get("[CLS]");
            Integer sep = ids.get("[SEP]");
            if (cls == null || sep == null) {
                throw new IllegalArgumentException("no post_processor and no [CLS]/[SEP] tokens in the vocab");
            }
            logger.warning("tokenizer.json has no post_processor; adding [CLS] and [SEP] as BERT does");
            return PostProcessorTemplate.bert("[CLS]", cls, "[SEP]", sep);
        }
        String type = text(node, "type", null, "post_processor");
        if ("BertProcessing".equals(type)) {
            JsonNode cls = node.get("cls");
            JsonNode sep = node.get("sep");
            if (!isTokenIdPair(cls) || !isTokenIdPair(sep)) {
                throw new IllegalArgumentException("BertProcessing needs 'cls' and 'sep' as [token, id] pairs");
            }
            return PostProcessorTemplate.bert(cls.get(0).asText(), cls.get(1).intValue(),
                    sep.get(0).asText(), sep.get(1).intValue());
        } else if ("TemplateProcessing".equals(type)) {
            return readTemplate(node);
        } else {
            throw new IllegalArgumentException("unsupported post_processor type '" + type
                    + "': only TemplateProcessing and BertProcessing are supported");
        }
    }

    private static boolean isTokenIdPair(JsonNode n) {
        return n != null && n.isArray() && n.size() == 2 && n.get(0).isTextual() && n.get(1).isIntegralNumber();
    }

    /** One piece of a template: a special token, or sequence "A" or "B" with its type id. */
    private static final class Piece {
        final PostProcessorTemplate.Special special;
        final String sequence;
        final int typeId;

        Piece(PostProcessorTemplate.Special special, String sequence, int typeId) {
            this.special = special;
            this.sequence = sequence;
            this.typeId = typeId;
        }
    }

    private static PostProcessorTemplate readTemplate(JsonNode node) {
        JsonNode specials = node.get("special_tokens");
        if (specials == null || !specials.isObject()) {
            throw new IllegalArgumentException("TemplateProcessing without 'special_tokens'");
        }
        Map<String, Integer> specialIds = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = specials.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode idList = e.getValue().get("ids");
            if (idList == null || !idList.isArray() || idList.size() != 1 || !idList.get(0).isIntegralNumber()) {
                throw new IllegalArgumentException("TemplateProcessing special token '" + e.getKey()
                        + "' must map to exactly one id");
            }
            specialIds.put(e.getKey(), idList.get(0).intValue());
        }
        List<Piece> single = readPieces(node.get("single"), "single", specialIds);
        List<Piece> pair = readPieces(node.get("pair"), "pair", specialIds);
        if (!hasShape(single, "SAS")) {
            throw new IllegalArgumentException("unsupported TemplateProcessing 'single' template: expected "
                    + "<special> $A <special>");
        }
        if (!hasShape(pair, "SASBS")) {
            throw new IllegalArgumentException("unsupported TemplateProcessing 'pair' template: expected "
                    + "<special> $A <special> $B <special>");
        }
        return new PostProcessorTemplate(single.get(0).special, single.get(1).typeId, single.get(2).special,
                pair.get(0).special, pair.get(1).typeId, pair.get(2).special, pair.get(3).typeId,
                pair.get(4).special);
    }

    /** Shape letters: S for a special token, A or B for a sequence. */
    private static boolean hasShape(List<Piece> pieces, String shape) {
        if (pieces.size() != shape.length()) {
            return false;
        }
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            String letter = p.special != null ? "S" : p.sequence;
            if (!shape.substring(i, i + 1).equals(letter)) {
                return false;
            }
        }
        return true;
    }

    private static List<Piece> readPieces(JsonNode node, String name, Map<String, Integer> specialIds) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("TemplateProcessing without a '" + name + "' template");
        }
        List<Piece> out = new ArrayList<>();
        for (JsonNode piece : node) {
            JsonNode special = piece.get("SpecialToken");
            JsonNode sequence = piece.get("Sequence");
            if (special != null) {
                String token = special.path("id").asText();
                Integer id = specialIds.get(token);
                if (id == null) {
                    throw new IllegalArgumentException("TemplateProcessing '" + name + "' uses special token '"
                            + token + "' missing from special_tokens");
                }
                int typeId = special.path("type_id").asInt(0);
                out.add(new Piece(new PostProcessorTemplate.Special(token, id, typeId), null, typeId));
            } else if (sequence != null) {
                out.add(new Piece(null, sequence.path("id").asText(), sequence.path("type_id").asInt(0)));
            } else {
                throw new IllegalArgumentException("TemplateProcessing '" + name + "' has an unknown piece " + piece);
            }
        }
        return out;
    }

    private static boolean isPresent(JsonNode node) {
        return node != null && !node.isNull();
    }

    private static String text(JsonNode parent, String field, String dflt, String where) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException("'" + where + "." + field + "' must be a string, found " + n);
        }
        return n.textValue();
    }

    private static int integer(JsonNode parent, String field, int dflt, String where) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException("'" + where + "." + field + "' must be an integer, found " + n);
        }
        return n.intValue();
    }

    private static boolean bool(JsonNode parent, String field, boolean dflt, String where) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new IllegalArgumentException("'" + where + "." + field + "' must be true or false, found " + n);
        }
        return n.booleanValue();
    }
}
