/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.Objects;

/**
 * One entry of a tokenizer.json {@code added_tokens} list: a string that is cut out of the input before
 * normalization and WordPiece and encoded as a single id (for BERT: [PAD], [UNK], [CLS], [SEP], [MASK]).
 * Immutable.
 */
final class AddedToken {

    final int id;
    final String content;
    final boolean singleWord;
    final boolean lstrip;
    final boolean rstrip;
    final boolean normalized;
    final boolean special;

    /**
     * Builds an added token; the flags have Hugging Face's meaning.
     * @param id The token id.
     * @param content The literal text of the token.
     * @param singleWord Only match when not next to a word character.
     * @param lstrip Absorb white space on the left of a match.
     * @param rstrip Absorb white space on the right of a match.
     * @param normalized Match against normalized text instead of the raw input.
     * @param special Whether this is a special token.
     */
    AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized,
               boolean special) {
        if (content == null || content.isEmpty()) {
            throw new IllegalArgumentException("added token " + id + " has empty content");
        }
        this.id = id;
        this.content = content;
        this.singleWord = singleWord;
        this.lstrip = lstrip;
        this.rstrip = rstrip;
        this.normalized = normalized;
        this.special = special;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AddedToken)) {
            return false;
        }
        AddedToken that = (AddedToken) o;
        return id == that.id && singleWord == that.singleWord && lstrip == that.lstrip && rstrip == that.rstrip
                && normalized == that.normalized && special == that.special && content.equals(that.content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, content, singleWord, lstrip, rstrip, normalized, special);
    }

    @Override
    public String toString() {
        return "AddedToken(" + id + ", '" + content + "')";
    }
}
