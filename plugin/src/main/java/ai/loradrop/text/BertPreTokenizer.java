/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.List;

/**
 * Hugging Face {@code tokenizers}' {@code BertPreTokenizer}: splits on white space (which is dropped) and makes
 * every punctuation code point a word of its own.
 */
final class BertPreTokenizer {

    private BertPreTokenizer() {}

    /**
     * Splits normalized text into words and appends them to {@code out}.
     * @param text Normalized text.
     * @param out Receives the words, in order; never empty strings.
     */
    static void split(String text, List<String> out) {
        int wordStart = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (BertCharacters.isWhitespace(cp)) {
                if (wordStart >= 0) {
                    out.add(text.substring(wordStart, i));
                    wordStart = -1;
                }
            } else if (BertCharacters.isPunctuation(cp)) {
                if (wordStart >= 0) {
                    out.add(text.substring(wordStart, i));
                    wordStart = -1;
                }
                out.add(text.substring(i, next));
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0) {
            out.add(text.substring(wordStart));
        }
    }
}
