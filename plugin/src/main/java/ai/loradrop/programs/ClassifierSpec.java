/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.HeadLoss;
import ai.loradrop.head.Pooling;
import ai.loradrop.lora.LoraConfig;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a program computes on top of an encoder: LoRA, pooling, head dropout, the number of head outputs and the
 * head's output function and loss (softmax classes by default; sigmoid labels; regression values).
 *
 * @param lora the LoRA configuration.
 * @param pooling the pooling mode.
 * @param numClasses the number of head outputs: classes (at least 2), labels or regression dimensions (at least 1).
 * @param headDropout dropout probability on the pooled vector during training, in [0, 1).
 * @param loss the head's output function and loss (null: {@link HeadLoss#SOFTMAX_CROSS_ENTROPY}).
 */
public record ClassifierSpec(LoraConfig lora, Pooling pooling, int numClasses, double headDropout, HeadLoss loss)
        implements Serializable {
    /**
     * Validates.
     * @param lora the LoRA configuration.
     * @param pooling the pooling mode.
     * @param numClasses the number of head outputs: classes (at least 2), labels or regression dimensions (at least 1).
     * @param headDropout dropout probability on the pooled vector during training, in [0, 1).
     * @param loss the head's output function and loss (null: {@link HeadLoss#SOFTMAX_CROSS_ENTROPY}).
     */
    public ClassifierSpec {
        Objects.requireNonNull(lora, "lora");
        Objects.requireNonNull(pooling, "pooling");
        if (loss == null) {
            loss = HeadLoss.SOFTMAX_CROSS_ENTROPY;
        }
        if (numClasses < loss.minOutputs()) {
            throw new IllegalArgumentException((loss == HeadLoss.SOFTMAX_CROSS_ENTROPY ? "numClasses must be at least 2, got "
                    : "The head needs at least 1 output, got ") + numClasses);
        }
        if (!(headDropout >= 0 && headDropout < 1)) {
            throw new IllegalArgumentException("headDropout must be in [0, 1), got " + headDropout);
        }
    }

    /**
     * A softmax classifier.
     * @param lora the LoRA configuration.
     * @param pooling the pooling mode.
     * @param numClasses the number of classes (at least 2).
     * @param headDropout dropout probability on the pooled vector during training, in [0, 1).
     */
    public ClassifierSpec(LoraConfig lora, Pooling pooling, int numClasses, double headDropout) {
        this(lora, pooling, numClasses, headDropout, HeadLoss.SOFTMAX_CROSS_ENTROPY);
    }

    /**
     * The same program with another head loss.
     * @param headLoss the loss.
     * @return the spec.
     */
    public ClassifierSpec withLoss(HeadLoss headLoss) {
        return new ClassifierSpec(lora, pooling, numClasses, headDropout, headLoss);
    }

    /**
     * The record's usual form; a softmax classifier leaves the loss out, so that run fingerprints of classifiers
     * (which include this text) are those written before heads had a loss.
     * @return the text.
     */
    @Override
    public String toString() {
        return "ClassifierSpec[lora=" + lora + ", pooling=" + pooling + ", numClasses=" + numClasses + ", headDropout="
                + headDropout + (loss == HeadLoss.SOFTMAX_CROSS_ENTROPY ? "" : ", loss=" + loss) + "]";
    }
}
