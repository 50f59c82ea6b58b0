/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.optim;

import java.io.Serializable;

/**
 * AdamW hyperparameters with PyTorch semantics (decoupled weight decay, bias correction).
 *
 * @param beta1 first moment decay.
 * @param beta2 second moment decay.
 * @param epsilon added to the denominator.
 * @param weightDecay decoupled weight decay (multiplied by the learning rate).
 * @param maxGradNorm global gradient-norm clipping threshold; 0 or less disables clipping.
 */
public record AdamWConfig(double beta1, double beta2, double epsilon, double weightDecay, double maxGradNorm)
        implements Serializable {
    /**
     * Validates.
     * @param beta1 first moment decay.
     * @param beta2 second moment decay.
     * @param epsilon added to the denominator.
     * @param weightDecay decoupled weight decay (multiplied by the learning rate).
     * @param maxGradNorm global gradient-norm clipping threshold; 0 or less disables clipping.
     */
    public AdamWConfig {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weightDecay must be non-negative, got " + weightDecay);
        }
    }

    /**
     * PyTorch's defaults with weight decay 0.01 and no clipping.
     * @return the configuration.
     */
    public static AdamWConfig defaults() {
        return new AdamWConfig(0.9, 0.999, 1e-8, 0.01, 0.0);
    }
}
