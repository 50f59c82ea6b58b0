/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

/**
 * The untruncated word pieces of one text, without special tokens: their ids and, per piece, the index of the
 * pre-tokenized word it came from (-1 for an added token cut out of the text before pre-tokenization).
 */
final class Pieces {
    final int[] ids;
    final int[] wordIds;

    Pieces(int[] ids, int[] wordIds) {
        if (ids.length != wordIds.length) {
            throw new IllegalArgumentException(ids.length + " ids but " + wordIds.length + " word ids");
        }
        this.ids = ids;
        this.wordIds = wordIds;
    }

    int size() {
        return ids.length;
    }

    /**
     * The length of this text as Hugging Face {@code tokenizers} 0.23 measures it under truncation to
     * {@code limit}: it tokenizes word by word and stops after the first word that brings the count to
     * {@code limit} or more (added tokens are counted but never stop it).
     * @param limit The truncation {@code max_length}.
     * @return The count up to that stopping point, or {@link #size()} if it is never reached.
     */
    int measured(int limit) {
        for (int i = Math.max(0, limit - 1); i < ids.length; i++) {
            if (wordIds[i] >= 0) {
                int j = i;
                while (j + 1 < ids.length && wordIds[j + 1] == wordIds[i]) {
                    j++;
                }
                return j + 1;
            }
        }
        return ids.length;
    }
}
