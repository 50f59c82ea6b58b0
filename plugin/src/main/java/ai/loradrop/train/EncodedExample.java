/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import java.util.Objects;

/**
 * One tokenized example: token ids with [CLS]/[SEP], segment ids, class index and weight.
 *
 * @param inputIds the token ids (unpadded).
 * @param typeIds the segment ids, same length.
 * @param label the class index, or -1 when unknown (prediction).
 * @param weight the example weight (finite, non-negative).
 */
public record EncodedExample(int[] inputIds, int[] typeIds, int label, float weight) {
    /**
     * Validates.
     * @param inputIds the token ids (unpadded).
     * @param typeIds the segment ids, same length.
     * @param label the class index, or -1 when unknown (prediction).
     * @param weight the example weight (finite, non-negative).
     */
    public EncodedExample {
        Objects.requireNonNull(inputIds, "inputIds");
        Objects.requireNonNull(typeIds, "typeIds");
        if (inputIds.length == 0) {
            throw new IllegalArgumentException("An example needs at least one token");
        }
        if (typeIds.length != inputIds.length) {
            throw new IllegalArgumentException("typeIds must have the length of inputIds");
        }
        if (!(weight >= 0) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be finite and non-negative, got " + weight);
        }
    }

    /**
     * An unlabeled example of weight 1.
     * @param inputIds the token ids.
     * @param typeIds the segment ids.
     * @return the example.
     */
    public static EncodedExample unlabeled(int[] inputIds, int[] typeIds) {
        return new EncodedExample(inputIds, typeIds, -1, 1f);
    }

    /**
     * Number of tokens.
     * @return the length.
     */
    public int length() {
        return inputIds.length;
    }
}
