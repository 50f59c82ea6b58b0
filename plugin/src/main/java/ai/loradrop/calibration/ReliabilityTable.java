/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * The per-bin statistics behind a reliability diagram and the top-label ECE/MCE: examples are grouped by the
 * probability of their predicted class (their confidence) into equal-width bins over [0, 1].
 * <p>
 * Bin {@code b} of {@code M} covers the half-open interval {@code (b/M, (b+1)/M]}, except that the first bin
 * also holds a confidence of exactly 0, so a confidence of exactly 1.0 falls in the last bin. Immutable.
 */
public final class ReliabilityTable implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Statistics of one confidence bin. For an empty bin (zero total weight) the mean confidence and accuracy are
     * {@code NaN}.
     *
     * @param lower          the exclusive lower edge {@code b/M} (inclusive for the first bin).
     * @param upper          the inclusive upper edge {@code (b+1)/M}.
     * @param count          the number of examples whose confidence falls in the bin.
     * @param weight         the total weight of those examples (equal to {@code count} when unweighted).
     * @param meanConfidence the weighted mean confidence of the bin's examples, {@code NaN} if empty.
     * @param accuracy       the weighted fraction of the bin's examples whose predicted class is correct,
     *                       {@code NaN} if empty.
     */
    public record Bin(double lower, double upper, int count, double weight, double meanConfidence, double accuracy)
            implements Serializable {
        /**
         * Validates the bin.
         *
         * @param lower          the lower edge.
         * @param upper          the upper edge.
         * @param count          the example count.
         * @param weight         the total weight.
         * @param meanConfidence the mean confidence.
         * @param accuracy       the accuracy.
         */
        public Bin {
            if (!(lower >= 0 && lower < upper && upper <= 1)) {
                throw new IllegalArgumentException("Invalid bin edges (" + lower + ", " + upper + "]");
            }
            if (count < 0 || !(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("Invalid bin count " + count + " or weight " + weight);
            }
        }

        /**
         * Returns true if the bin carries no weight, in which case it has no confidence or accuracy.
         *
         * @return true if the bin's total weight is zero.
         */
        public boolean isEmpty() {
            return weight == 0;
        }

        /**
         * The signed calibration gap {@code accuracy − meanConfidence}: negative when the model is over-confident
         * in this bin, {@code NaN} for an empty bin.
         *
         * @return the signed gap.
         */
        public double gap() {
            return accuracy - meanConfidence;
        }
    }

    /** The bins, lowest confidence first, contiguous. */
    private final List<Bin> bins;

    /**
     * Creates a table from its bins, which must be contiguous and ordered from low to high confidence.
     *
     * @param bins the bins.
     */
    public ReliabilityTable(List<Bin> bins) {
        Objects.requireNonNull(bins, "bins");
        if (bins.isEmpty()) {
            throw new IllegalArgumentException("A reliability table needs at least one bin");
        }
        for (int b = 1; b < bins.size(); b++) {
            if (bins.get(b).lower() != bins.get(b - 1).upper()) {
                throw new IllegalArgumentException("Bin " + b + " starts at " + bins.get(b).lower()
                        + " but bin " + (b - 1) + " ends at " + bins.get(b - 1).upper());
            }
        }
        this.bins = List.copyOf(bins);
    }

    /**
     * Returns the number of bins.
     *
     * @return the number of bins.
     */
    public int numBins() {
        return bins.size();
    }

    /**
     * Returns the bins, lowest confidence first.
     *
     * @return an unmodifiable list of bins.
     */
    public List<Bin> bins() {
        return bins;
    }

    /**
     * Returns one bin.
     *
     * @param index the bin index, 0 for the lowest confidences.
     * @return the bin.
     */
    public Bin bin(int index) {
        return bins.get(index);
    }

    /**
     * Returns the total number of examples over all bins.
     *
     * @return the example count.
     */
    public int totalCount() {
        int total = 0;
        for (Bin bin : bins) {
            total += bin.count();
        }
        return total;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReliabilityTable other && bins.equals(other.bins);
    }

    @Override
    public int hashCode() {
        return bins.hashCode();
    }

    @Override
    public String toString() {
        return CalibrationReport.formatBins(this);
    }
}
