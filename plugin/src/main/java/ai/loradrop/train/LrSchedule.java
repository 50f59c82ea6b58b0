/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

/**
 * Learning-rate schedules after a linear warm-up.
 * <p>
 * The warm-up differs from Hugging Face's {@code get_*_schedule_with_warmup} in one respect: Hugging Face evaluates
 * the warm-up at the 0-based step count, so its first step runs at rate 0 (wasted work, and for a run of one step an
 * untrained model). Here warm-up step {@code k} (0-based, {@code k < w}) runs at {@code peak·(k+1)/w}, so the first
 * step runs at {@code peak/w} and the last warm-up step at the peak; the decay after it is Hugging Face's. No step
 * runs at rate 0.
 */
public enum LrSchedule {
    /** Linear decay to 0 at the last step. */
    LINEAR,
    /** Half-cosine decay to 0 at the last step. */
    COSINE,
    /** Constant after warm-up. */
    CONSTANT;

    /**
     * The learning rate of a step.
     * @param base the peak learning rate.
     * @param step the 1-based step.
     * @param totalSteps the total number of steps.
     * @param warmupSteps the number of warm-up steps.
     * @return the learning rate.
     */
    public double rate(double base, long step, long totalSteps, long warmupSteps) {
        long s = step - 1; // the 0-based step count, at which Hugging Face's LambdaLR evaluates the schedule
        if (s < warmupSteps) {
            return base * (double) (s + 1) / warmupSteps;
        }
        double progress = (double) (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (this) {
            case LINEAR -> base * Math.max(0.0, 1.0 - progress);
            case COSINE -> base * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            case CONSTANT -> base;
        };
    }
}
