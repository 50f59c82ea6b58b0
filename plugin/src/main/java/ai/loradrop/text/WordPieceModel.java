/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Hugging Face {@code tokenizers}' WordPiece model: greedy longest-match-first over a vocabulary, continuation
 * pieces carry a prefix ("##"), a word longer than {@code max_input_chars_per_word} code points or with any
 * piece that cannot be matched becomes a single unknown token. Immutable.
 */
final class WordPieceModel {

    private final Map<String, Integer> vocab;
    private final String unkToken;
    private final int unkId;
    private final String continuingSubwordPrefix;
    private final int maxInputCharsPerWord;

    /**
     * Builds the model.
     * @param vocab Token to id; copied.
     * @param unkToken The unknown token, which must be in the vocabulary.
     * @param continuingSubwordPrefix The prefix of pieces that continue a word.
     * @param maxInputCharsPerWord Words with more code points than this become the unknown token.
     */
    WordPieceModel(Map<String, Integer> vocab, String unkToken, String continuingSubwordPrefix,
                   int maxInputCharsPerWord) {
        Integer unk = vocab.get(unkToken);
        if (unk == null) {
            throw new IllegalArgumentException("unk_token '" + unkToken + "' is not in the WordPiece vocab");
        }
        if (maxInputCharsPerWord < 1) {
            throw new IllegalArgumentException("max_input_chars_per_word must be positive, found "
                    + maxInputCharsPerWord);
        }
        this.vocab = Collections.unmodifiableMap(new HashMap<>(vocab));
        this.unkToken = unkToken;
        this.unkId = unk;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    Map<String, Integer> vocab() {
        return vocab;
    }

    String unkToken() {
        return unkToken;
    }

    int unkId() {
        return unkId;
    }

    String continuingSubwordPrefix() {
        return continuingSubwordPrefix;
    }

    int maxInputCharsPerWord() {
        return maxInputCharsPerWord;
    }

    /**
     * Appends the ids of one pre-tokenized word.
     * @param word A non-empty word without white space.
     * @param out Receives the ids.
     */
    void tokenize(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = 0;
        int length = word.length();
        while (start < length) {
            int end = length;
            Integer id = null;
            while (start < end) {
                String piece = word.substring(start, end);
                id = vocab.get(start > 0 ? continuingSubwordPrefix + piece : piece);
                if (id != null) {
                    break;
                }
                end -= Character.charCount(word.codePointBefore(end));
            }
            if (id == null) {
                // One unmatched piece makes the whole word unknown, dropping the pieces found so far.
                out.truncate(mark);
                out.add(unkId);
                return;
            }
            out.add(id);
            start = end;
        }
    }
}
