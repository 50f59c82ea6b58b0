/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our tokenizers against Hugging Face {@code tokenizers} itself (the Rust library through DJL, full encode with
 * special tokens) on real tokenizer.json files — the four named encoders' WordPiece files, served by the pure-Java
 * {@link WordPieceTokenizer}, and byte-level BPE, classic BPE, Unigram and WordLevel files, served by
 * {@link HfTokenizer} — over thousands of varied texts: every single text untruncated and truncated at 16 and 128,
 * and pairs that fit. Truncated pairs follow tokenizers 0.23, not the library's 0.21, so they are checked against a
 * hand-worked oracle here and in {@link WordPieceTokenizerTest}.
 */
public class TokenizerParityTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int[] TRUNCATIONS = {16, 128};

    private static List<String> texts;

    @TempDir
    static Path dir;

    @BeforeAll
    public static void loadTexts() throws IOException {
        texts = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                TokenizerParityTest.class.getResourceAsStream("/tokenizer/minilm-wordpiece.jsonl"), StandardCharsets.UTF_8))) {
            String line;
            int wordnet = 0;
            while ((line = r.readLine()) != null) {
                JsonNode n = MAPPER.readTree(line);
                if (n.path("kind").asText().equals("edge") || wordnet++ % 10 == 0) {
                    texts.add(n.path("text").asText());
                }
            }
        }
        texts.addAll(synthesized(1500, 42));
    }

    /** Texts mixing scripts, accents, emoji, controls, right-to-left text, long words and literal special tokens. */
    static List<String> synthesized(int count, long seed) {
        String[] fragments = {
            "The quick brown fox", "jumps over the lazy dog.", "Café naïve résumé", "Straße über Äpfel", "東京は日本の首都です。",
            "中文文本分类数据集", "한국어 문장입니다", "日本語のテキスト", "مرحبا بالعالم", "שלום עולם", "Ελληνικά κείμενα ΣΊΣΥΦΟΣ",
            "Привет, мир!", "हिन्दी पाठ", "emoji 😀🎉👍🏽 and 👨‍👩‍👧", "tab\there", "line\nbreak\r\ncr", "nul\u0000ctrl\u0007bell",
            "zero\u200bwidth\u200djoiner", "soft\u00adhyphen", "nbsp\u00a0here", "[MASK] [CLS] <s> </s> <mask> [SEP]",
            "İstanbul DİYARBAKIR", "e\u0301 combining", "ﬁ ligature ① ℌ", "   leading and trailing   ", "don't won't it's",
            "3.14159 1,000,000 $42 #hashtag @user", "https://example.org/path?q=1&x=y", "snake_case camelCase kebab-case",
            "Licensed under the Apache License, Version 2.0", "GNU GENERAL PUBLIC LICENSE", "\uFFFD replacement \uFEFF bom",
            "x".repeat(150), "supercalifragilisticexpialidocious".repeat(4), "ab\u0301c".repeat(40), "😀".repeat(60)
        };
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(i % 10 == 0 ? 60 : 12);
            for (int k = 0; k < n; k++) {
                if (k > 0) {
                    sb.append(rnd.nextInt(5) == 0 ? "" : " ");
                }
                if (rnd.nextInt(8) == 0) {
                    // a random code point from the BMP or beyond, surrogates excluded
                    int cp;
                    do {
                        cp = rnd.nextInt(8) == 0 ? 0x10000 + rnd.nextInt(0x10000) : rnd.nextInt(0x10000);
                    } while (cp >= 0xD800 && cp <= 0xDFFF);
                    sb.appendCodePoint(cp);
                } else {
                    sb.append(fragments[rnd.nextInt(fragments.length)]);
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = TokenizerParityTest.class.getResourceAsStream("/tokenizer/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource /tokenizer/" + name);
            }
            return name.endsWith(".gz") ? new GZIPInputStream(in).readAllBytes() : in.readAllBytes();
        }
    }

    static Path resourceFile(String name) throws IOException {
        Path p = dir.resolve(name.replace(".gz", ""));
        if (!Files.exists(p)) {
            Files.write(p, resource(name));
        }
        return p;
    }

    private static HuggingFaceTokenizer reference(byte[] json, Integer maxLength) throws IOException {
        TokenizerNatives.ensureReady();
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "true");
        options.put("padding", "false");
        if (maxLength == null) {
            options.put("truncation", "false");
        } else {
            options.put("truncation", "true");
            options.put("maxLength", Integer.toString(maxLength));
        }
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
    }

    private static int[] ints(long[] v) {
        return Arrays.stream(v).mapToInt(x -> (int) x).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2-tokenizer.json.gz", "bge-small-en-v1.5-and-e5-small-v2-tokenizer.json.gz",
            "bge-small-zh-v1.5-tokenizer.json.gz", "roberta-bytelevel-bpe.json", "classic-bpe.json", "xlmr-unigram.json",
            "wordlevel.json"})
    public void zeroMismatchesAgainstHuggingFaceTokenizers(String file) throws IOException {
        byte[] json = resource(file);
        Tokenizer ours = Tokenizer.fromFile(resourceFile(file));
        if (file.endsWith(".gz")) {
            assertInstanceOf(WordPieceTokenizer.class, ours, "WordPiece files use the pure-Java tokenizer");
        } else {
            assertInstanceOf(HfTokenizer.class, ours);
        }
        int compared = 0;
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer ref = reference(json, null)) {
            for (String t : texts) {
                ai.djl.huggingface.tokenizers.Encoding r = ref.encode(t);
                Encoding e = ours.encode(t);
                compared++;
                if (!Arrays.equals(ints(r.getIds()), e.inputIds()) || !Arrays.equals(ints(r.getTypeIds()), e.typeIds())) {
                    mismatches.add("single " + MAPPER.writeValueAsString(t));
                }
            }
            for (int i = 0; i + 1 < texts.size() && i < 6000; i += 2) {
                String a = texts.get(i);
                String b = texts.get(i + 1);
                ai.djl.huggingface.tokenizers.Encoding r = ref.encode(a, b);
                Encoding e = ours.encodePair(a, b);
                compared++;
                if (!Arrays.equals(ints(r.getIds()), e.inputIds()) || !Arrays.equals(ints(r.getTypeIds()), e.typeIds())) {
                    mismatches.add("pair " + MAPPER.writeValueAsString(a) + " / " + MAPPER.writeValueAsString(b));
                }
                int fits = r.getIds().length;
                // the pair at exactly its own length is not truncated by either rule
                Encoding exact = ours.encodePair(a, b, fits);
                compared++;
                if (!Arrays.equals(ints(r.getIds()), exact.inputIds()) || exact.truncated()) {
                    mismatches.add("pair at its length " + MAPPER.writeValueAsString(a));
                }
            }
        }
        for (int max : TRUNCATIONS) {
            try (HuggingFaceTokenizer ref = reference(json, max)) {
                for (String t : texts) {
                    ai.djl.huggingface.tokenizers.Encoding r = ref.encode(t);
                    Encoding e = ours.encode(t, max);
                    compared++;
                    if (!Arrays.equals(ints(r.getIds()), e.inputIds()) || !Arrays.equals(ints(r.getTypeIds()), e.typeIds())) {
                        mismatches.add("truncated at " + max + " " + MAPPER.writeValueAsString(t));
                    }
                }
            }
        }
        assertTrue(compared > 8000, "compared " + compared);
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                mismatches.size() + " mismatches of " + compared + " for " + file);
    }

    @Test
    public void robertaPairTruncationIsLongestFirstWithFourSpecials() throws IOException {
        Tokenizer t = Tokenizer.fromFile(resourceFile("roberta-bytelevel-bpe.json"));
        assertEquals(2, t.singleSpecialCount());
        assertEquals(4, t.pairSpecialCount());
        assertEquals(1, t.padId());
        assertArrayEquals(new int[]{0, 2}, t.singleSpecialIds());
        String a = "license license license license license license license";
        String b = "work work work work work";
        int[] pa = t.tokenIds(a);
        int[] pb = t.tokenIds(b);
        // "license" is two pieces at the start of a text and one ("Ġlicense") after a space; likewise "work".
        assertEquals(8, pa.length, Arrays.toString(((HfTokenizer) t).pieceTokens(a)));
        assertEquals(6, pb.length, Arrays.toString(((HfTokenizer) t).pieceTokens(b)));
        // budget 10 - 4 = 6: the shorter (6) cannot leave the longer anything, so both get 3.
        Encoding e = t.encodePair(a, b, 10);
        assertArrayEquals(concat(new int[]{0}, Arrays.copyOf(pa, 3), new int[]{2, 2}, Arrays.copyOf(pb, 3), new int[]{2}),
                e.inputIds());
        assertArrayEquals(new int[10], e.typeIds());
        assertTrue(e.truncated());
        assertEquals(14, e.originalTokenCount());
        // budget 9: halves of 4 and the odd token to the longer text (the first).
        assertArrayEquals(concat(new int[]{0}, Arrays.copyOf(pa, 5), new int[]{2, 2}, Arrays.copyOf(pb, 4), new int[]{2}),
                t.encodePair(a, b, 13).inputIds());
        // the same with the texts swapped: the odd token follows the longer text to the second place.
        assertArrayEquals(concat(new int[]{0}, Arrays.copyOf(pb, 4), new int[]{2, 2}, Arrays.copyOf(pa, 5), new int[]{2}),
                t.encodePair(b, a, 13).inputIds());
        // budget 6 with a 2-piece second text: it keeps both, the first keeps the other 4.
        int[] pw = t.tokenIds("work");
        assertEquals(2, pw.length);
        assertArrayEquals(concat(new int[]{0}, Arrays.copyOf(pa, 4), new int[]{2, 2}, pw, new int[]{2}),
                t.encodePair(a, "work", 10).inputIds());
        // no room for any piece: only the four special tokens.
        assertArrayEquals(new int[]{0, 2, 2, 2}, t.encodePair(a, b, 4).inputIds());
    }

    @Test
    public void longTextModes() throws IOException {
        Tokenizer t = Tokenizer.fromFile(resourceFile("xlmr-unigram.json"));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append("license ");
        }
        int[] pieces = t.tokenIds(sb.toString());
        int n = pieces.length;
        assertTrue(n >= 40, "pieces " + n);
        // maxLength 12: budget 10
        List<Encoding> windows = t.encodeLong(sb.toString(), 12, LongText.WINDOWS, 4);
        int expected = (int) Math.ceil((n - 10) / 4.0) + 1;
        assertEquals(expected, windows.size());
        for (int w = 0; w < windows.size(); w++) {
            Encoding e = windows.get(w);
            assertEquals(12, e.length());
            assertEquals(0, e.inputId(0));
            assertEquals(2, e.inputId(11));
            int start = Math.min(4 * w, n - 10);
            assertArrayEquals(Arrays.copyOfRange(pieces, start, start + 10), Arrays.copyOfRange(e.inputIds(), 1, 11));
            assertTrue(e.truncated());
        }
        Encoding ht = t.encodeLong(sb.toString(), 12, LongText.HEAD_TAIL, 1).get(0);
        int[] kept = Arrays.copyOfRange(ht.inputIds(), 1, 11);
        assertArrayEquals(concat(Arrays.copyOf(pieces, 2), Arrays.copyOfRange(pieces, n - 8, n)), kept);
        assertEquals(t.encode(sb.toString(), 12), t.encodeLong(sb.toString(), 12, LongText.TRUNCATE, 1).get(0));
        // a short text is one encoding whatever the mode
        assertEquals(List.of(t.encode("license", 12)), t.encodeLong("license", 12, LongText.WINDOWS, 4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"roberta-bytelevel-bpe.json", "xlmr-unigram.json"})
    public void javaSerializationRoundTrip(String file) throws IOException, ClassNotFoundException {
        Tokenizer t = Tokenizer.fromFile(resourceFile(file));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(t);
        }
        Tokenizer back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (Tokenizer) in.readObject();
        }
        assertEquals(t.sourceSha256(), back.sourceSha256());
        assertArrayEquals(t.toJsonBytes(), back.toJsonBytes());
        for (String s : texts.subList(0, 200)) {
            assertEquals(t.encode(s, 64), back.encode(s, 64));
        }
    }

    @Test
    public void tokensAndVocabularyOfAUnigramFile() throws IOException {
        HfTokenizer t = (HfTokenizer) Tokenizer.fromFile(resourceFile("xlmr-unigram.json"));
        assertEquals("Unigram", t.modelType());
        assertEquals("<pad>", t.token(t.padId()));
        assertEquals("<s>", t.token(0));
        String[] pieces = t.pieceTokens("Hello world");
        int[] ids = t.tokenIds("Hello world");
        for (int i = 0; i < ids.length; i++) {
            assertEquals(pieces[i], t.token(ids[i]));
        }
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
