/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

/**
 * What an adapter's sidecar records about turning the head's outputs into predictions, beyond the head itself: the
 * decision threshold of a multi-label head and the target standardisation of a regression head (the head predicts
 * {@code z}; a prediction in the training targets' units is {@code mean + std · z}, per output in head-row order).
 *
 * @param threshold the multi-label decision threshold in (0, 1), or NaN when not recorded.
 * @param targetMean the regression targets' training means in head-row order, or null.
 * @param targetStd the regression targets' training standard deviations in head-row order, or null.
 */
public record AdapterOutputs(double threshold, double[] targetMean, double[] targetStd) {
    /**
     * Validates and copies.
     * @param threshold the multi-label decision threshold in (0, 1), or NaN when not recorded.
     * @param targetMean the regression targets' training means in head-row order, or null.
     * @param targetStd the regression targets' training standard deviations in head-row order, or null.
     */
    public AdapterOutputs {
        if (!Double.isNaN(threshold) && !(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("The decision threshold must be in (0, 1), got " + threshold);
        }
        if ((targetMean == null) != (targetStd == null)) {
            throw new IllegalArgumentException("Give both the target means and standard deviations, or neither");
        }
        if (targetMean != null) {
            if (targetMean.length != targetStd.length || targetMean.length == 0) {
                throw new IllegalArgumentException("The target standardisation has " + targetMean.length + " means and "
                        + targetStd.length + " deviations");
            }
            for (int i = 0; i < targetMean.length; i++) {
                if (!Double.isFinite(targetMean[i]) || !(targetStd[i] > 0) || Double.isInfinite(targetStd[i])) {
                    throw new IllegalArgumentException("Target " + i + ": mean " + targetMean[i] + " and standard deviation "
                            + targetStd[i] + " must be finite, the deviation positive");
                }
            }
            targetMean = targetMean.clone();
            targetStd = targetStd.clone();
        }
    }

    /**
     * Nothing recorded (single-label classification).
     * @return the settings.
     */
    public static AdapterOutputs none() {
        return new AdapterOutputs(Double.NaN, null, null);
    }

    /**
     * A multi-label head's threshold.
     * @param threshold the decision threshold, in (0, 1).
     * @return the settings.
     */
    public static AdapterOutputs multiLabel(double threshold) {
        return new AdapterOutputs(threshold, null, null);
    }

    /**
     * A regression head's target standardisation.
     * @param mean the training means in head-row order.
     * @param std the training standard deviations in head-row order.
     * @return the settings.
     */
    public static AdapterOutputs regression(double[] mean, double[] std) {
        return new AdapterOutputs(Double.NaN, mean, std);
    }

    /**
     * Whether a target standardisation is recorded.
     * @return true for a regression head written by LoRA-Drop.
     */
    public boolean hasStandardisation() {
        return targetMean != null;
    }

    /**
     * A copy of the means.
     * @return the means, or null.
     */
    @Override
    public double[] targetMean() {
        return targetMean == null ? null : targetMean.clone();
    }

    /**
     * A copy of the deviations.
     * @return the deviations, or null.
     */
    @Override
    public double[] targetStd() {
        return targetStd == null ? null : targetStd.clone();
    }
}
