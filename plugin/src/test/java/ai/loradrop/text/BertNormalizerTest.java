/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Character-level behaviour of {@link BertNormalizer} and {@link BertPreTokenizer}. Every expected value was
 * produced by Hugging Face {@code tokenizers} 0.23 on "a" + character + "b"; the cases are the ones where Java's
 * own Unicode data (or {@link String#toLowerCase}) would give a different answer.
 */
public class BertNormalizerTest {

    private static final BertNormalizer CLEAN_ONLY = new BertNormalizer(true, false, false, false);
    private static final BertNormalizer STRIP_ONLY = new BertNormalizer(false, false, true, false);
    private static final BertNormalizer LOWER_ONLY = new BertNormalizer(false, false, false, true);
    private static final BertNormalizer UNCASED = new BertNormalizer(true, true, true, true);

    private static String around(int cp) {
        return "a" + new String(Character.toChars(cp)) + "b";
    }

    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        BertPreTokenizer.split(text, out);
        return out;
    }

    @Test
    public void cleanTextUsesTokenizersControlClasses() {
        assertEquals("ab", CLEAN_ONLY.normalize(around(0x061C)), "ARABIC LETTER MARK (Cf) is removed");
        assertEquals("ab", CLEAN_ONLY.normalize(around(0x180E)), "MONGOLIAN VOWEL SEPARATOR: Cf in old tables");
        assertEquals("ab", CLEAN_ONLY.normalize(around(0xE000)), "private use is removed");
        assertEquals("ab", CLEAN_ONLY.normalize(around(0x001C)), "U+001C is a control, not white space");
        assertEquals("ab", CLEAN_ONLY.normalize("a\u0000\uFFFDb"));
        assertEquals(around(0x0890), CLEAN_ONLY.normalize(around(0x0890)), "Unicode 14 Cf is unknown, kept");
        assertEquals(around(0x0378), CLEAN_ONLY.normalize(around(0x0378)), "unassigned is kept");
        assertEquals("a b", CLEAN_ONLY.normalize(around(0x00A0)), "no-break space becomes a space");
        assertEquals("a b c d", CLEAN_ONLY.normalize("a\tb\nc\rd"));
        assertEquals("ab", CLEAN_ONLY.normalize("a\uD800b"), "a lone surrogate is removed");
    }

    @Test
    public void stripAccentsUsesTokenizersMarksAndDecompositions() {
        assertEquals("ab", STRIP_ONLY.normalize(around(0x0301)));
        assertEquals("aeb", STRIP_ONLY.normalize("a\u00e9b"));
        assertEquals(around(0x08D3), STRIP_ONLY.normalize(around(0x08D3)), "Unicode 11 Mn is not dropped");
        assertEquals(around(0x11938), STRIP_ONLY.normalize(around(0x11938)), "no Unicode 13 decomposition");
        assertEquals("aIb", STRIP_ONLY.normalize(around(0x0130)));
    }

    @Test
    public void lowercaseIsPerCodePointRustLowercase() {
        assertEquals("ai\u0307b", LOWER_ONLY.normalize(around(0x0130)), "dotted capital I");
        assertEquals("ab\u03c3", LOWER_ONLY.normalize("aB\u03a3"), "final capital sigma still gives sigma");
        assertEquals(around(0xA7C1), LOWER_ONLY.normalize(around(0xA7C0)), "Unicode 14 case pair");
        assertEquals(around(0x0264), LOWER_ONLY.normalize(around(0xA7CB)), "Unicode 16 case pair");
    }

    @Test
    public void uncasedPipeline() {
        assertEquals("a \u4e2d b", UNCASED.normalize(around(0x4E2D)), "CJK ideographs are spaced");
        assertEquals("aib", UNCASED.normalize(around(0x0130)), "accents go before lower casing");
        assertEquals("cafe naive", UNCASED.normalize("Caf\u00e9 Na\u00efve"));
    }

    @Test
    public void preTokenizerUsesTokenizersPunctuation() {
        assertEquals(List.of("a", "\u166D", "b"), words(around(0x166D)), "punctuation until Unicode 12");
        assertEquals(List.of(around(0x2E43)), words(around(0x2E43)), "Unicode 9 dash is not punctuation");
        assertEquals(List.of("a", "$", "b"), words("a$b"), "ASCII symbols count as punctuation");
        assertEquals(List.of("a", "b"), words("a\u00a0 b"));
        assertEquals(List.of("x", "\u00bf", "y", "\u2014", "z"), words("x\u00bfy \u2014z"));
        assertEquals(List.of("a\uD83D\uDE00b"), words("a\uD83D\uDE00b"), "emoji are symbols, not punctuation");
    }
}
