/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import java.util.Objects;

/**
 * How a classifier reads its texts, recorded in an adapter's sidecar so that an import predicts as the exported model
 * did: the maximum length (texts are truncated to it) and whether it classifies sentence pairs.
 *
 * @param maxLength tokens per example, special tokens included (at least 2).
 * @param textKey the example metadata key of the text.
 * @param pairKey the metadata key of the second text of a sentence pair, or null for single texts.
 */
public record AdapterInput(int maxLength, String textKey, String pairKey) {
    /**
     * Validates.
     * @param maxLength tokens per example, special tokens included (at least 2).
     * @param textKey the example metadata key of the text.
     * @param pairKey the metadata key of the second text of a sentence pair, or null for single texts.
     */
    public AdapterInput {
        Objects.requireNonNull(textKey, "textKey");
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be at least 2 (room for [CLS] and [SEP]), got " + maxLength);
        }
        if (pairKey != null && (pairKey.isBlank() || pairKey.equals(textKey))) {
            throw new IllegalArgumentException("pairKey must be null or a key other than textKey '" + textKey + "', got '" + pairKey + "'");
        }
    }

    /**
     * Whether the classifier takes sentence pairs.
     * @return true for pairs.
     */
    public boolean pairs() {
        return pairKey != null;
    }
}
