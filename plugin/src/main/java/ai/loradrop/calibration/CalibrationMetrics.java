/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.util.Objects;

/**
 * Calibration metrics of class-probability predictions: top-label ECE and MCE over equal-width confidence bins,
 * the multi-class Brier score, negative log-likelihood and accuracy.
 * <p>
 * Inputs are an {@code n × k} matrix {@code probs} whose rows are probability distributions over {@code k}
 * classes, the true class index of each row, and optionally a non-negative weight per row ({@code null} means
 * all weights are 1). Conventions:
 * <ul>
 *     <li>The predicted class of a row is its most probable class; ties go to the lowest class index.</li>
 *     <li>The confidence of a row is the probability of its predicted class.</li>
 *     <li>Bin {@code b} of {@code M} covers {@code (b/M, (b+1)/M]} (lower edge exclusive, upper inclusive),
 *     the first bin also taking a confidence of exactly 0; so a confidence of exactly 1.0 is in the last bin.
 *     The edges are the doubles {@code b/(double) M}, and a confidence equal to an edge goes to the bin it
 *     closes even when {@code confidence·M} rounds the other way.</li>
 *     <li>ECE {@code = Σ_b (W_b/W)·|acc_b − conf_b|}; MCE {@code = max |acc_b − conf_b|} over bins with
 *     positive weight.</li>
 *     <li>Brier {@code = mean over rows of Σ_k (p_k − y_k)²}, with {@code y} the one-hot true class.</li>
 *     <li>NLL {@code = mean over rows of −log max(p_true, }{@value #PROBABILITY_FLOOR}{@code )}: the floor keeps a
 *     zero probability on the true class finite (it then costs about 27.6 nats).</li>
 * </ul>
 * Rows must sum to 1 within {@value #ROW_SUM_TOLERANCE} and entries lie in [0, 1] within the same tolerance,
 * loose enough for float32 softmax outputs and tight enough to reject logits passed by mistake.
 */
public final class CalibrationMetrics {

    /** The default number of equal-width confidence bins. */
    public static final int DEFAULT_BINS = 15;

    /** The probability floor applied to {@code p_true} before taking its log in the NLL. */
    public static final double PROBABILITY_FLOOR = 1e-12;

    /** How far a row sum may be from 1 and an entry outside [0, 1]. */
    public static final double ROW_SUM_TOLERANCE = 1e-4;

    private CalibrationMetrics() {
    }

    /**
     * Computes the calibration report with {@value #DEFAULT_BINS} bins and unit weights.
     *
     * @param probs  the {@code n × k} class probabilities.
     * @param labels the true class index of each row.
     * @return the report.
     */
    public static CalibrationReport compute(double[][] probs, int[] labels) {
        return compute(probs, labels, null, DEFAULT_BINS);
    }

    /**
     * Computes the calibration report with unit weights.
     *
     * @param probs   the {@code n × k} class probabilities.
     * @param labels  the true class index of each row.
     * @param numBins the number of equal-width confidence bins, at least 1.
     * @return the report.
     */
    public static CalibrationReport compute(double[][] probs, int[] labels, int numBins) {
        return compute(probs, labels, null, numBins);
    }

    /**
     * Computes the calibration report.
     *
     * @param probs   the {@code n × k} class probabilities.
     * @param labels  the true class index of each row.
     * @param weights a non-negative weight per row with a positive total, or {@code null} for unit weights.
     * @param numBins the number of equal-width confidence bins, at least 1.
     * @return the report.
     */
    public static CalibrationReport compute(double[][] probs, int[] labels, double[] weights, int numBins) {
        validate(probs, labels, weights, numBins);
        return totals(probs, labels, weights, numBins).report();
    }

    /**
     * Computes only the reliability table.
     *
     * @param probs   the {@code n × k} class probabilities.
     * @param labels  the true class index of each row.
     * @param weights a non-negative weight per row with a positive total, or {@code null} for unit weights.
     * @param numBins the number of equal-width confidence bins, at least 1.
     * @return the reliability table.
     */
    public static ReliabilityTable reliabilityTable(double[][] probs, int[] labels, double[] weights, int numBins) {
        validate(probs, labels, weights, numBins);
        return totals(probs, labels, weights, numBins).table();
    }

    /**
     * Returns the index of the bin, out of {@code numBins} equal-width bins {@code (b/M, (b+1)/M]}, that holds a
     * confidence.
     *
     * @param confidence a value in [0, 1] (values slightly outside are clamped to the end bins).
     * @param numBins    the number of bins.
     * @return the bin index in {@code [0, numBins)}.
     */
    public static int binIndex(double confidence, int numBins) {
        int b = (int) Math.ceil(confidence * numBins) - 1;
        b = Math.max(0, Math.min(numBins - 1, b));
        // Make the index agree with the edges b/M actually reported, whatever the rounding of confidence·M.
        if (b > 0 && confidence <= lowerEdge(b, numBins)) {
            b--;
        } else if (b < numBins - 1 && confidence > lowerEdge(b + 1, numBins)) {
            b++;
        }
        return b;
    }

    /**
     * Returns the index of the most probable class, the lowest index on ties.
     *
     * @param row a probability row.
     * @return the predicted class index.
     */
    static int argmax(double[] row) {
        int best = 0;
        for (int c = 1; c < row.length; c++) {
            if (row[c] > row[best]) {
                best = c;
            }
        }
        return best;
    }

    static double lowerEdge(int b, int numBins) {
        return b / (double) numBins;
    }

    private static double weight(double[] weights, int i) {
        return weights == null ? 1.0 : weights[i];
    }

    private static CalibrationTotals totals(double[][] probs, int[] labels, double[] weights, int numBins) {
        CalibrationTotals totals = new CalibrationTotals(numBins);
        for (int i = 0; i < probs.length; i++) {
            totals.add(probs[i], labels[i], weight(weights, i));
        }
        return totals;
    }

    private static void validate(double[][] probs, int[] labels, double[] weights, int numBins) {
        Objects.requireNonNull(probs, "probs");
        Objects.requireNonNull(labels, "labels");
        if (numBins < 1) {
            throw new IllegalArgumentException("numBins must be at least 1, got " + numBins);
        }
        int n = probs.length;
        if (n == 0) {
            throw new IllegalArgumentException("Calibration metrics need at least one example, probs is empty");
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("probs has " + n + " rows but labels has " + labels.length + " entries");
        }
        if (weights != null && weights.length != n) {
            throw new IllegalArgumentException("probs has " + n + " rows but weights has " + weights.length
                    + " entries");
        }
        if (probs[0] == null || probs[0].length == 0) {
            throw new IllegalArgumentException("probs[0] is null or empty, need at least one class");
        }
        int k = probs[0].length;
        double totalWeight = 0;
        for (int i = 0; i < n; i++) {
            checkRow(i, probs[i], k, labels[i], weights == null ? 1.0 : weights[i]);
            if (weights != null) {
                totalWeight += weights[i];
            }
        }
        if (weights != null && totalWeight <= 0) {
            throw new IllegalArgumentException("The weights sum to " + totalWeight + ", need a positive total");
        }
    }

    /**
     * Checks one row: {@code k} entries in [0, 1] summing to 1 (within {@value #ROW_SUM_TOLERANCE}), a label in
     * {@code [0, k)} and a finite non-negative weight.
     */
    static void checkRow(int i, double[] row, int k, int label, double weight) {
        if (row == null || row.length != k) {
            throw new IllegalArgumentException("probs[" + i + "] has " + (row == null ? "no" : row.length)
                    + " entries, expected " + k + " like probs[0]");
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            double p = row[c];
            if (!(p >= -ROW_SUM_TOLERANCE && p <= 1 + ROW_SUM_TOLERANCE)) {
                throw new IllegalArgumentException("probs[" + i + "][" + c + "] = " + p
                        + " is not a probability in [0, 1]");
            }
            sum += p;
        }
        if (Math.abs(sum - 1.0) > ROW_SUM_TOLERANCE) {
            throw new IllegalArgumentException("probs[" + i + "] sums to " + sum + ", expected 1 (tolerance "
                    + ROW_SUM_TOLERANCE + "); pass probabilities, not logits");
        }
        if (label < 0 || label >= k) {
            throw new IllegalArgumentException("labels[" + i + "] = " + label + " is outside [0, " + k + ")");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weights[" + i + "] = " + weight + " is not a finite non-negative number");
        }
    }
}
