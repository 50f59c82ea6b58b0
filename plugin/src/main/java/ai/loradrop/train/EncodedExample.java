/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import java.util.Objects;

/**
 * One tokenized example: token ids with [CLS]/[SEP], segment ids, its target (a class index, or float targets for
 * sigmoid and regression heads) and weight.
 *
 * @param inputIds the token ids (unpadded).
 * @param typeIds the segment ids, same length.
 * @param label the class index, or -1 when unknown (prediction) or when the target is {@code targets}.
 * @param weight the example weight (finite, non-negative).
 * @param targets the float targets of a sigmoid or regression head (one per output, finite), or null.
 */
public record EncodedExample(int[] inputIds, int[] typeIds, int label, float weight, float[] targets) {
    /**
     * Validates.
     * @param inputIds the token ids (unpadded).
     * @param typeIds the segment ids, same length.
     * @param label the class index, or -1 when unknown (prediction) or when the target is {@code targets}.
     * @param weight the example weight (finite, non-negative).
     * @param targets the float targets of a sigmoid or regression head (one per output, finite), or null.
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
        if (targets != null) {
            for (float t : targets) {
                if (!Float.isFinite(t)) {
                    throw new IllegalArgumentException("targets must be finite, got " + java.util.Arrays.toString(targets));
                }
            }
        }
    }

    /**
     * An example with a class index (or unknown target).
     * @param inputIds the token ids (unpadded).
     * @param typeIds the segment ids, same length.
     * @param label the class index, or -1 when unknown (prediction).
     * @param weight the example weight (finite, non-negative).
     */
    public EncodedExample(int[] inputIds, int[] typeIds, int label, float weight) {
        this(inputIds, typeIds, label, weight, null);
    }

    /**
     * Whether the example has a target to train on (a class index or float targets).
     * @return true when labelled.
     */
    public boolean hasTarget() {
        return label >= 0 || targets != null;
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
