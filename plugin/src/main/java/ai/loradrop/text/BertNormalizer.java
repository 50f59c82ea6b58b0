/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.text.Normalizer;

/**
 * Hugging Face {@code tokenizers}' {@code BertNormalizer}: text cleaning, spacing of CJK ideographs, accent
 * stripping and lower casing, applied in that order. Immutable.
 */
final class BertNormalizer {

    /** U+11938, decomposed by Java 17's NFD but not by Hugging Face's. */
    private static final String NOT_DECOMPOSED = new String(Character.toChars(0x11938));

    private final boolean cleanText;
    private final boolean handleChineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;

    /**
     * Builds a normalizer.
     * @param cleanText Remove U+0000, U+FFFD and control characters and turn white space into spaces.
     * @param handleChineseChars Put a space on each side of every CJK ideograph.
     * @param stripAccents Decompose (NFD) and drop non-spacing marks. Already resolved: a {@code null} in
     *                     tokenizer.json means "same as lowercase".
     * @param lowercase Lower case each code point.
     */
    BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {
        this.cleanText = cleanText;
        this.handleChineseChars = handleChineseChars;
        this.stripAccents = stripAccents;
        this.lowercase = lowercase;
    }

    boolean cleanText() {
        return cleanText;
    }

    boolean handleChineseChars() {
        return handleChineseChars;
    }

    boolean stripAccents() {
        return stripAccents;
    }

    boolean lowercase() {
        return lowercase;
    }

    /**
     * Normalizes a piece of text.
     * @param text The text.
     * @return The normalized text.
     */
    String normalize(String text) {
        String s = text;
        if (cleanText || handleChineseChars) {
            s = cleanAndSpace(s);
        }
        if (stripAccents) {
            s = dropNonSpacingMarks(decompose(s));
        }
        if (lowercase) {
            s = lowercaseEachCodePoint(s);
        }
        return s;
    }

    /** Both steps map one code point at a time, so one pass does them in Hugging Face's order. */
    private String cleanAndSpace(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || BertCharacters.isControl(cp)) {
                    continue;
                }
                if (BertCharacters.isWhitespace(cp)) {
                    cp = ' ';
                }
            }
            if (handleChineseChars && BertCharacters.isChinese(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    /**
     * NFD as Hugging Face computes it. Its normalization tables predate Unicode 13, which added the canonical
     * decomposition of U+11938 DIVES AKURU VOWEL SIGN O; Java 17 applies it, Hugging Face leaves the code point
     * alone. The code point is a starter, so the text around it can be decomposed separately.
     */
    private static String decompose(String s) {
        int at = s.indexOf(NOT_DECOMPOSED);
        if (at < 0) {
            return Normalizer.normalize(s, Normalizer.Form.NFD);
        }
        StringBuilder sb = new StringBuilder(s.length() + 8);
        int start = 0;
        while (at >= 0) {
            sb.append(Normalizer.normalize(s.substring(start, at), Normalizer.Form.NFD)).append(NOT_DECOMPOSED);
            start = at + NOT_DECOMPOSED.length();
            at = s.indexOf(NOT_DECOMPOSED, start);
        }
        return sb.append(Normalizer.normalize(s.substring(start), Normalizer.Form.NFD)).toString();
    }

    private static String dropNonSpacingMarks(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (!BertCharacters.isNonSpacingMark(cp)) {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    /**
     * Rust's {@code char::to_lowercase} applied to each code point on its own. Unlike
     * {@link String#toLowerCase(java.util.Locale)} this has no context: a final capital sigma becomes σ, not ς.
     * The only unconditional multi-character lower case mapping in Unicode is U+0130 (İ), which becomes
     * "i" followed by U+0307 COMBINING DOT ABOVE.
     */
    private static String lowercaseEachCodePoint(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0x130) {
                sb.append('i').append('\u0307');
            } else {
                sb.appendCodePoint(HuggingFaceUnicode.toLowerCase(cp));
            }
        }
        return sb.toString();
    }
}
