/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

/**
 * Character classes used by Hugging Face {@code tokenizers}' {@code BertNormalizer} and {@code BertPreTokenizer},
 * expressed on Unicode code points.
 * <p>
 * Hugging Face takes whitespace from Rust's {@code char::is_whitespace} (the Unicode {@code White_Space} property)
 * and control, punctuation and non-spacing-mark classes from the {@code unicode_categories} crate. Java's
 * {@link Character#isWhitespace(int)} is a different set (it excludes no-break spaces and includes U+001C..U+001F),
 * so the whitespace set is spelled out here; the other classes come from the tables in {@link HuggingFaceUnicode},
 * not from the JDK's Unicode version.
 */
final class BertCharacters {

    private BertCharacters() {}

    /**
     * Rust's {@code char::is_whitespace}: the Unicode {@code White_Space} property. This includes tab, newline
     * and carriage return, which Hugging Face's BERT {@code is_whitespace} adds explicitly.
     * @param cp A code point.
     * @return True if the code point is Unicode white space.
     */
    static boolean isWhitespace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
        }
        switch (cp) {
            case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
                return true;
            default:
                return cp >= 0x2000 && cp <= 0x200A;
        }
    }

    /**
     * Hugging Face's BERT {@code is_control}: categories Cc, Cf and Co, except tab, newline and carriage return
     * (which count as white space). Unassigned code points (Cn) are not controls. Lone surrogates, which cannot
     * reach Hugging Face (they have no UTF-8 form), are treated as controls so that cleaning removes them.
     * @param cp A code point.
     * @return True if {@code clean_text} removes this code point.
     */
    static boolean isControl(int cp) {
        return (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) || HuggingFaceUnicode.isControl(cp);
    }

    /**
     * Hugging Face's BERT punctuation: ASCII punctuation (33-47, 58-64, 91-96, 123-126) or a Unicode P* category.
     * @param cp A code point.
     * @return True if the pre-tokenizer isolates this code point as its own word.
     */
    static boolean isPunctuation(int cp) {
        return HuggingFaceUnicode.isPunctuation(cp);
    }

    /**
     * Category Mn, the marks that {@code strip_accents} drops after NFD.
     * @param cp A code point.
     * @return True if the code point is a non-spacing mark.
     */
    static boolean isNonSpacingMark(int cp) {
        return HuggingFaceUnicode.isNonSpacingMark(cp);
    }

    /**
     * Hugging Face's "Chinese character": the CJK Unified Ideographs blocks and their extensions and
     * compatibility blocks, as listed in {@code tokenizers}' BERT normalizer.
     * @param cp A code point.
     * @return True if {@code handle_chinese_chars} pads this code point with spaces.
     */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
