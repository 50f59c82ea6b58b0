/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks {@link WordPieceTokenizer} against ids produced by Hugging Face {@code tokenizers} 0.23 for the
 * all-MiniLM-L6-v2 tokenizer.json.
 */
public class WordPieceTokenizerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Path tokenizerJson;
    private static WordPieceTokenizer minilm;

    @BeforeAll
    public static void loadMiniLm(@TempDir Path dir) throws IOException {
        tokenizerJson = dir.resolve("tokenizer.json");
        try (InputStream in = WordPieceTokenizerTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            assertNotNull(in, "classpath resource all-minilm-l6-v2-tokenizer.json is missing");
            Files.copy(in, tokenizerJson, StandardCopyOption.REPLACE_EXISTING);
        }
        minilm = WordPieceTokenizer.fromFile(tokenizerJson);
    }

    /** Every line of the reference file: {"text": ..., "ids": [...], "kind": ...}, ids with [CLS]/[SEP]. */
    private static List<JsonNode> referenceLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        try (InputStream in = WordPieceTokenizerTest.class.getResourceAsStream("/tokenizer/minilm-wordpiece.jsonl")) {
            assertNotNull(in, "test resource tokenizer/minilm-wordpiece.jsonl is missing");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    lines.add(MAPPER.readTree(line));
                }
            }
        }
        return lines;
    }

    private static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    /** Counts mismatches of the tokenizer against all reference lines, describing the first few. */
    private static List<String> mismatches(WordPieceTokenizer tokenizer, List<JsonNode> lines) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = lines.get(i);
            int[] expected = ids(line.get("ids"));
            int[] actual = tokenizer.encode(line.get("text").textValue()).inputIds();
            if (!Arrays.equals(expected, actual)) {
                out.add("line " + (i + 1) + " (" + line.get("kind").textValue() + ") "
                        + line.get("text").toString() + ": expected " + Arrays.toString(expected)
                        + " but got " + Arrays.toString(actual));
            }
        }
        return out;
    }

    @Test
    public void matchesHuggingFaceOnEveryReferenceText() throws IOException {
        List<JsonNode> lines = referenceLines();
        assertEquals(6837, lines.size(), "reference file size");
        List<String> bad = mismatches(minilm, lines);
        assertEquals(0, bad.size(), () -> bad.size() + " of " + lines.size() + " texts differ, first ones:\n"
                + String.join("\n", bad.subList(0, Math.min(10, bad.size()))));
    }

    @Test
    public void specialTokenIdsAndSizes() {
        assertEquals(30522, minilm.vocabSize());
        assertEquals(0, minilm.padId());
        assertEquals(100, minilm.unkId());
        assertEquals(101, minilm.clsId());
        assertEquals(102, minilm.sepId());
        // Reference: tokenizers 0.23, "Hello, world!" -> [101, 7592, 1010, 2088, 999, 102].
        assertArrayEquals(new int[]{7592, 1010, 2088, 999}, minilm.tokenIds("Hello, world!"));
    }

    @Test
    public void singleEncodingLayout() {
        Encoding e = minilm.encode("Hello, world!", 128);
        assertArrayEquals(new int[]{101, 7592, 1010, 2088, 999, 102}, e.inputIds());
        assertArrayEquals(new long[]{101, 7592, 1010, 2088, 999, 102}, e.inputIdsAsLongs());
        assertArrayEquals(new int[6], e.typeIds());
        assertArrayEquals(new int[]{1, 1, 1, 1, 1, 1}, e.attentionMask());
        assertFalse(e.truncated());
        assertEquals(4, e.originalTokenCount());
        assertEquals(6, e.length());
    }

    @Test
    public void truncationKeepsSep() {
        // "one two three four five" -> 2028 2048 2093 2176 2274 (tokenizers 0.23)
        Encoding full = minilm.encode("one two three four five", 7);
        assertArrayEquals(new int[]{101, 2028, 2048, 2093, 2176, 2274, 102}, full.inputIds());
        assertFalse(full.truncated());
        Encoding cut = minilm.encode("one two three four five", 5);
        assertArrayEquals(new int[]{101, 2028, 2048, 2093, 102}, cut.inputIds());
        assertArrayEquals(new int[]{1, 1, 1, 1, 1}, cut.attentionMask());
        assertTrue(cut.truncated());
        assertEquals(5, cut.originalTokenCount());
        Encoding empty = minilm.encode("one two three four five", 2);
        assertArrayEquals(new int[]{101, 102}, empty.inputIds());
        assertTrue(empty.truncated());
        assertThrows(IllegalArgumentException.class, () -> minilm.encode("one", 1));
    }

    @Test
    public void pairEncodingWithTypeIds() {
        Encoding e = minilm.encodePair("Hello, world!", "one two", 128);
        assertArrayEquals(new int[]{101, 7592, 1010, 2088, 999, 102, 2028, 2048, 102}, e.inputIds());
        assertArrayEquals(new int[]{0, 0, 0, 0, 0, 0, 1, 1, 1}, e.typeIds());
        assertFalse(e.truncated());
        assertEquals(6, e.originalTokenCount());
    }

    @Test
    public void pairTruncationIsHuggingFaceLongestFirst() {
        String a = "one two three four five"; // 5 pieces
        String b = "six seven eight nine ten"; // 2416 2698 2809 3157 2702
        // Expected ids from tokenizers 0.23 with enable_truncation(maxLength), strategy longest_first.
        assertArrayEquals(new int[]{101, 2028, 2048, 2093, 2176, 102, 2416, 2698, 2809, 3157, 2702, 102},
                minilm.encodePair(a, b, 12).inputIds());
        assertArrayEquals(new int[]{101, 2028, 2048, 2093, 102, 2416, 2698, 2809, 3157, 102},
                minilm.encodePair(a, b, 10).inputIds());
        Encoding nine = minilm.encodePair(a, b, 9);
        assertArrayEquals(new int[]{101, 2028, 2048, 2093, 102, 2416, 2698, 2809, 102}, nine.inputIds());
        assertArrayEquals(new int[]{0, 0, 0, 0, 0, 1, 1, 1, 1}, nine.typeIds());
        assertTrue(nine.truncated());
        assertEquals(10, nine.originalTokenCount());
        assertArrayEquals(new int[]{101, 102, 2416, 102}, minilm.encodePair(a, b, 4).inputIds());
        assertArrayEquals(new int[]{101, 102, 102}, minilm.encodePair(a, b, 3).inputIds());
        // The shorter text keeps everything when the longer one can absorb the cut.
        assertArrayEquals(new int[]{101, 2028, 2048, 102, 2416, 2698, 2809, 3157, 102},
                minilm.encodePair("one two", b, 9).inputIds());
        // Otherwise both are halved and the longer one gets the odd token, whichever side it is on.
        assertArrayEquals(new int[]{101, 2028, 102, 2416, 2698, 102}, minilm.encodePair("one two", b, 6).inputIds());
        assertArrayEquals(new int[]{101, 2416, 2698, 102, 2028, 102}, minilm.encodePair(b, "one two", 6).inputIds());
        assertThrows(IllegalArgumentException.class, () -> minilm.encodePair(a, b, 2));
    }

    @Test
    public void pairLengthsAreMeasuredLikeTokenizersEarlyExit() {
        // tokenizers 0.23 stops tokenizing a text after the first word that brings it to maxLength pieces and
        // compares those lengths: here 15 ("unaffable" is 3 pieces) against 14, so the first text is the longer
        // one and gets the odd token, although in full it has 15 pieces against 16.
        String a = String.join(" ", Collections.nCopies(5, "unaffable"));
        String b = String.join(" ", Collections.nCopies(16, "one"));
        Encoding e = minilm.encodePair(a, b, 14);
        assertArrayEquals(new int[]{101, 14477, 20961, 3468, 14477, 20961, 3468, 102, 2028, 2028, 2028, 2028, 2028,
                102}, e.inputIds());
        assertArrayEquals(new int[]{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, e.typeIds());
        assertEquals(31, e.originalTokenCount());
        // 20 against 15 single-piece words, both measured as 12: a tie, so the second text gets the odd token.
        String twenty = String.join(" ", Collections.nCopies(20, "one"));
        String fifteen = String.join(" ", Collections.nCopies(15, "one"));
        assertArrayEquals(new int[]{101, 2028, 2028, 2028, 2028, 102, 2028, 2028, 2028, 2028, 2028, 102},
                minilm.encodePair(twenty, fifteen, 12).inputIds());
    }

    @Test
    public void addedTokenFlagsAndIdsFollowHuggingFace() throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(Files.readAllBytes(tokenizerJson));
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        added.add(addedToken(30522, "<x>", false, true, true, false, true));
        added.add(addedToken(30523, "foo", true, false, false, false, false));
        added.add(addedToken(30524, "H\u00e9llo", false, false, false, true, false));
        added.add(addedToken(30525, "ab", false, false, false, true, false));
        added.add(addedToken(30526, "abc", false, false, false, true, false));
        WordPieceTokenizer custom = WordPieceTokenizer.fromJson(MAPPER.writeValueAsBytes(root));
        // Expected ids from tokenizers 0.23 loading the same JSON. File ids are not used: "foo", "ab" and "abc"
        // are in the vocab and take those ids, the accented hello gets the first free id after <x>.
        assertArrayEquals(new int[]{30523, 2045}, custom.tokenIds("H\u00c9LLO there"), "normalized match");
        assertArrayEquals(new int[]{5925, 1040}, custom.tokenIds("ABCD"), "longest normalized match, vocab id");
        assertArrayEquals(new int[]{1060, 30522, 1061}, custom.tokenIds("x <x> y"));
        assertArrayEquals(new int[]{30522, 30522}, custom.tokenIds("<x>  <x>"), "lstrip and rstrip");
        assertArrayEquals(new int[]{29379, 8237}, custom.tokenIds("foobar"), "single_word: not inside a word");
        assertArrayEquals(new int[]{1041, 14876, 2080}, custom.tokenIds("\u00e9foo"), "single_word: after a letter");
        assertEquals(30524, custom.vocabSize());
        assertArrayEquals(custom.toJsonBytes(), WordPieceTokenizer.fromJson(custom.toJsonBytes()).toJsonBytes());
    }

    private static ObjectNode addedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                                         boolean normalized, boolean special) {
        ObjectNode t = MAPPER.createObjectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", singleWord);
        t.put("lstrip", lstrip);
        t.put("rstrip", rstrip);
        t.put("normalized", normalized);
        t.put("special", special);
        return t;
    }

    @Test
    public void literalSpecialTokensAreMatchedBeforeNormalization() {
        // Reference line: "[CLS] literal [SEP] tokens [MASK] and [UNK] [PAD]".
        assertArrayEquals(new int[]{101, 18204, 102, 19204, 2015, 103, 1998, 100, 0},
                minilm.tokenIds("[CLS] literal [SEP] tokens [MASK] and [UNK] [PAD]"));
        // Lower case "[mask]" is not the added token: it is normalized and split on punctuation.
        assertArrayEquals(minilm.tokenIds("[ mask ]"), minilm.tokenIds("[mask]"));
    }

    @Test
    public void vocabTxtLoading(@TempDir Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.txt");
        List<String> tokens = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "un",
                "##aff", "##able", ",", "!", "cafe", "Cafe", "##s", "\u4e2d", "trailing   ");
        Files.write(vocab, String.join("\n", tokens).concat("\n").getBytes(StandardCharsets.UTF_8));

        WordPieceTokenizer lower = WordPieceTokenizer.fromVocabFile(vocab, true);
        assertEquals(17, lower.vocabSize());
        assertEquals(0, lower.padId());
        assertEquals(1, lower.unkId());
        assertEquals(2, lower.clsId());
        assertEquals(3, lower.sepId());
        assertArrayEquals(new int[]{2, 5, 10, 6, 11, 3}, lower.encode("Hello, WORLD!").inputIds());
        assertArrayEquals(new int[]{7, 8, 9}, lower.tokenIds("unaffable"));
        // Accents are stripped when lower casing; "cafés" -> cafe ##s; "unknown" has no pieces -> [UNK].
        assertArrayEquals(new int[]{12, 14, 1}, lower.tokenIds("Cafés unknown"));
        assertArrayEquals(new int[]{15, 4}, lower.tokenIds("\u4e2d[MASK]"));
        assertArrayEquals(new int[]{16}, lower.tokenIds("trailing"), "trailing white space of a line is trimmed");
        assertEquals(lower, WordPieceTokenizer.fromFile(vocab), "fromFile reads .txt as a lower casing vocab");

        WordPieceTokenizer cased = WordPieceTokenizer.fromVocabFile(vocab, false);
        assertArrayEquals(new int[]{13, 1}, cased.tokenIds("Cafe Café"));
        assertNotEquals(lower.canonicalSha256(), cased.canonicalSha256());
        assertEquals(lower.sourceSha256(), cased.sourceSha256(), "same source file");

        Files.write(vocab, List.of("[PAD]", "[UNK]", "[SEP]", "hello"), StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.fromVocabFile(vocab, true));
        assertTrue(e.getMessage().contains("[CLS]"), e.getMessage());
    }

    @Test
    public void unsupportedTokenizerJsonIsRejected() throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(Files.readAllBytes(tokenizerJson));

        ObjectNode bpe = root.deepCopy();
        ((ObjectNode) bpe.get("model")).put("type", "BPE");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.fromJson(MAPPER.writeValueAsBytes(bpe)));
        assertTrue(e.getMessage().contains("unsupported model type 'BPE'"), e.getMessage());

        ObjectNode unigram = root.deepCopy();
        ((ObjectNode) unigram.get("model")).put("type", "Unigram");
        e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.fromJson(MAPPER.writeValueAsString(unigram)));
        assertTrue(e.getMessage().contains("'Unigram'"), e.getMessage());

        ObjectNode nfkc = root.deepCopy();
        nfkc.putObject("normalizer").put("type", "NFKC");
        e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.fromJson(MAPPER.writeValueAsBytes(nfkc)));
        assertTrue(e.getMessage().contains("unsupported normalizer type 'NFKC'"), e.getMessage());

        ObjectNode byteLevel = root.deepCopy();
        byteLevel.putObject("pre_tokenizer").put("type", "ByteLevel");
        e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.fromJson(MAPPER.writeValueAsBytes(byteLevel)));
        assertTrue(e.getMessage().contains("unsupported pre_tokenizer type 'ByteLevel'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> WordPieceTokenizer.fromJson("{\"model\": "));
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
    }

    @Test
    public void stripAccentsNullFollowsLowercase() throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(Files.readAllBytes(tokenizerJson));
        ((ObjectNode) root.get("normalizer")).put("strip_accents", false);
        WordPieceTokenizer keepAccents = WordPieceTokenizer.fromJson(MAPPER.writeValueAsBytes(root));
        // With accents stripped (strip_accents null, lowercase true): "café" -> cafe (7668).
        assertArrayEquals(new int[]{7668}, minilm.tokenIds("Café"));
        assertFalse(Arrays.equals(minilm.tokenIds("Café"), keepAccents.tokenIds("Café")));
    }

    @Test
    public void serializationRoundTripGivesIdenticalIds() throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(minilm);
        }
        WordPieceTokenizer javaCopy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            javaCopy = (WordPieceTokenizer) in.readObject();
        }
        WordPieceTokenizer jsonCopy = WordPieceTokenizer.fromJson(minilm.toJsonBytes(), minilm.sourceSha256());
        WordPieceTokenizer textCopy = WordPieceTokenizer.fromJson(minilm.toJson());

        String fileSha = ai.loradrop.io.Sha256.of(tokenizerJson);
        assertEquals(fileSha, minilm.sourceSha256());
        assertEquals(fileSha, javaCopy.sourceSha256());
        assertEquals(fileSha, jsonCopy.sourceSha256());
        assertEquals(minilm.canonicalSha256(), textCopy.sourceSha256(), "fromJson hashes the bytes it is given");
        for (WordPieceTokenizer copy : List.of(javaCopy, jsonCopy, textCopy)) {
            assertEquals(minilm, copy);
            assertArrayEquals(minilm.toJsonBytes(), copy.toJsonBytes(), "canonical bytes are stable");
            assertEquals(minilm.vocabSize(), copy.vocabSize());
            assertEquals(0, mismatches(copy, referenceLines()).size(), "reference ids after a round trip");
            assertEquals(minilm.encodePair("Hello, world!", "Café naïve", 6),
                    copy.encodePair("Hello, world!", "Café naïve", 6));
        }
    }
}
