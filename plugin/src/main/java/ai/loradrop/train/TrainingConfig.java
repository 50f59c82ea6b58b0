/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.optim.AdamWConfig;

import java.io.Serializable;
import java.util.Objects;

/**
 * Settings of a fine-tuning run.
 *
 * @param epochs number of passes over the training data.
 * @param batchSize examples per step.
 * @param learningRate the peak learning rate.
 * @param warmupFraction fraction of all steps spent in linear warm-up, in [0, 1): {@code ceil(fraction · steps)} steps,
 *                       none of them at rate 0 ({@link LrSchedule}); a run of fewer than {@code 1/fraction} steps
 *                       has no warm-up in effect, and a warning says so.
 * @param schedule decay after warm-up.
 * @param optimizer AdamW settings (weight decay, clipping).
 * @param dropoutSamples LoRA dropout instances per example per step whose losses are averaged.
 * @param seed the seed of initialisation, shuffling and masks.
 * @param threads ONNX Runtime intra-op threads (0: its default).
 * @param patience epochs without validation-loss improvement before stopping (0: no early stopping).
 * @param logIntervalSeconds seconds between progress log lines.
 */
public record TrainingConfig(int epochs, int batchSize, double learningRate, double warmupFraction, LrSchedule schedule,
                             AdamWConfig optimizer, int dropoutSamples, long seed, int threads, int patience,
                             double logIntervalSeconds) implements Serializable {
    /**
     * Validates.
     * @param epochs number of passes over the training data.
     * @param batchSize examples per step.
     * @param learningRate the peak learning rate.
     * @param warmupFraction fraction of all steps spent in linear warm-up, in [0, 1).
     * @param schedule decay after warm-up.
     * @param optimizer AdamW settings (weight decay, clipping).
     * @param dropoutSamples LoRA dropout instances per example per step whose losses are averaged.
     * @param seed the seed of initialisation, shuffling and masks.
     * @param threads ONNX Runtime intra-op threads (0: its default).
     * @param patience epochs without validation-loss improvement before stopping (0: no early stopping).
     * @param logIntervalSeconds seconds between progress log lines.
     */
    public TrainingConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
        }
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new IllegalArgumentException("warmupFraction must be in [0, 1), got " + warmupFraction);
        }
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(optimizer, "optimizer");
        if (dropoutSamples < 1) {
            throw new IllegalArgumentException("dropoutSamples must be at least 1, got " + dropoutSamples);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be non-negative, got " + threads);
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be non-negative, got " + patience);
        }
    }

    /**
     * The PyTorch reference recipe: 3 epochs, batch 32, lr 1e-3, 6% warm-up, linear decay, weight decay 0.01.
     * @param seed the seed.
     * @return the configuration.
     */
    public static TrainingConfig defaults(long seed) {
        return new TrainingConfig(3, 32, 1e-3, 0.06, LrSchedule.LINEAR, AdamWConfig.defaults(), 1, seed, 0, 0, 10.0);
    }
}
