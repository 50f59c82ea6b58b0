/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.LoraConfig;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a classifier program computes on top of an encoder: LoRA, pooling, head dropout and the number of classes.
 *
 * @param lora the LoRA configuration.
 * @param pooling the pooling mode.
 * @param numClasses the number of classes (at least 2).
 * @param headDropout dropout probability on the pooled vector during training, in [0, 1).
 */
public record ClassifierSpec(LoraConfig lora, Pooling pooling, int numClasses, double headDropout) implements Serializable {
    /**
     * Validates.
     * @param lora the LoRA configuration.
     * @param pooling the pooling mode.
     * @param numClasses the number of classes (at least 2).
     * @param headDropout dropout probability on the pooled vector during training, in [0, 1).
     */
    public ClassifierSpec {
        Objects.requireNonNull(lora, "lora");
        Objects.requireNonNull(pooling, "pooling");
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
        }
        if (!(headDropout >= 0 && headDropout < 1)) {
            throw new IllegalArgumentException("headDropout must be in [0, 1), got " + headDropout);
        }
    }
}
