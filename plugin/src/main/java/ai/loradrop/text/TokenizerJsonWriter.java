/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the canonical form of a tokenizer: a compact Hugging Face tokenizer.json holding only what this package
 * uses, with a fixed field order, the vocab sorted by id and {@code strip_accents} resolved, so the same
 * tokenizer always gives the same bytes (which Hugging Face {@code tokenizers} can also load).
 */
final class TokenizerJsonWriter {

    private static final JsonFactory FACTORY = new JsonFactory();

    private TokenizerJsonWriter() {}

    /**
     * Serializes tokenizer parts.
     * @param parts The parts.
     * @return UTF-8 JSON bytes.
     */
    static byte[] write(TokenizerParts parts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        try (JsonGenerator g = FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("version", "1.0");
            g.writeNullField("truncation");
            writePadding(g, parts);
            writeAddedTokens(g, parts.addedTokens);
            writeNormalizer(g, parts.normalizer);
            g.writeObjectFieldStart("pre_tokenizer");
            g.writeStringField("type", "BertPreTokenizer");
            g.writeEndObject();
            writeTemplate(g, parts.template);
            g.writeObjectFieldStart("decoder");
            g.writeStringField("type", "WordPiece");
            g.writeStringField("prefix", parts.model.continuingSubwordPrefix());
            g.writeBooleanField("cleanup", true);
            g.writeEndObject();
            writeModel(g, parts.model);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialize the tokenizer", e);
        }
        return bytes.toByteArray();
    }

    private static void writePadding(JsonGenerator g, TokenizerParts parts) throws IOException {
        // BatchLongest never pads a single encoding, so the canonical file behaves like "no padding" in Hugging
        // Face while still recording the pad token.
        g.writeObjectFieldStart("padding");
        g.writeStringField("strategy", "BatchLongest");
        g.writeStringField("direction", "Right");
        g.writeNullField("pad_to_multiple_of");
        g.writeNumberField("pad_id", parts.padId);
        g.writeNumberField("pad_type_id", 0);
        g.writeStringField("pad_token", parts.padToken);
        g.writeEndObject();
    }

    private static void writeAddedTokens(JsonGenerator g, List<AddedToken> tokens) throws IOException {
        List<AddedToken> sorted = new ArrayList<>(tokens);
        sorted.sort(Comparator.comparingInt((AddedToken t) -> t.id).thenComparing(t -> t.content));
        g.writeArrayFieldStart("added_tokens");
        for (AddedToken t : sorted) {
            g.writeStartObject();
            g.writeNumberField("id", t.id);
            g.writeStringField("content", t.content);
            g.writeBooleanField("single_word", t.singleWord);
            g.writeBooleanField("lstrip", t.lstrip);
            g.writeBooleanField("rstrip", t.rstrip);
            g.writeBooleanField("normalized", t.normalized);
            g.writeBooleanField("special", t.special);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeNormalizer(JsonGenerator g, BertNormalizer n) throws IOException {
        if (n == null) {
            g.writeNullField("normalizer");
            return;
        }
        g.writeObjectFieldStart("normalizer");
        g.writeStringField("type", "BertNormalizer");
        g.writeBooleanField("clean_text", n.cleanText());
        g.writeBooleanField("handle_chinese_chars", n.handleChineseChars());
        g.writeBooleanField("strip_accents", n.stripAccents());
        g.writeBooleanField("lowercase", n.lowercase());
        g.writeEndObject();
    }

    private static void writeTemplate(JsonGenerator g, PostProcessorTemplate t) throws IOException {
        g.writeObjectFieldStart("post_processor");
        g.writeStringField("type", "TemplateProcessing");
        g.writeArrayFieldStart("single");
        writeSpecial(g, t.singleFirst);
        writeSequence(g, "A", t.singleTypeA);
        writeSpecial(g, t.singleSecond);
        g.writeEndArray();
        g.writeArrayFieldStart("pair");
        writeSpecial(g, t.pairFirst);
        writeSequence(g, "A", t.pairTypeA);
        writeSpecial(g, t.pairSecond);
        writeSequence(g, "B", t.pairTypeB);
        writeSpecial(g, t.pairThird);
        g.writeEndArray();
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (PostProcessorTemplate.Special s : t.specials()) {
            Integer previous = specials.putIfAbsent(s.token, s.id);
            if (previous != null && previous != s.id) {
                throw new IllegalStateException("special token '" + s.token + "' has two ids, " + previous
                        + " and " + s.id);
            }
        }
        g.writeObjectFieldStart("special_tokens");
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            g.writeObjectFieldStart(e.getKey());
            g.writeStringField("id", e.getKey());
            g.writeArrayFieldStart("ids");
            g.writeNumber(e.getValue());
            g.writeEndArray();
            g.writeArrayFieldStart("tokens");
            g.writeString(e.getKey());
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeSpecial(JsonGenerator g, PostProcessorTemplate.Special s) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("SpecialToken");
        g.writeStringField("id", s.token);
        g.writeNumberField("type_id", s.typeId);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeSequence(JsonGenerator g, String id, int typeId) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("Sequence");
        g.writeStringField("id", id);
        g.writeNumberField("type_id", typeId);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeModel(JsonGenerator g, WordPieceModel m) throws IOException {
        g.writeObjectFieldStart("model");
        g.writeStringField("type", "WordPiece");
        g.writeStringField("unk_token", m.unkToken());
        g.writeStringField("continuing_subword_prefix", m.continuingSubwordPrefix());
        g.writeNumberField("max_input_chars_per_word", m.maxInputCharsPerWord());
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(m.vocab().entrySet());
        entries.sort(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
        g.writeObjectFieldStart("vocab");
        for (Map.Entry<String, Integer> e : entries) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }
}
