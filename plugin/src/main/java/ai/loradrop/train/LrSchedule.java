package ai.loradrop.train;

/**
 * Learning-rate schedules after a linear warm-up (Hugging Face's {@code get_*_schedule_with_warmup}).
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
        long s = step - 1; // Hugging Face's LambdaLR evaluates the schedule at the 0-based step count.
        if (s < warmupSteps) {
            return base * (double) s / Math.max(1, warmupSteps);
        }
        double progress = (double) (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (this) {
            case LINEAR -> base * Math.max(0.0, 1.0 - progress);
            case COSINE -> base * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            case CONSTANT -> base;
        };
    }
}
