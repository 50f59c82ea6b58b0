/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.util.ArrayList;
import java.util.List;

/**
 * Running totals of binary probability predictions {@code p = P(y = 1)} against 0/1 targets, binned by {@code p}
 * itself (not by the top-label confidence {@code max(p, 1 − p)} that {@link CalibrationTotals} uses), so a bin's
 * "accuracy" in the resulting {@link ReliabilityTable} is its observed frequency of positives. This is the
 * class-wise calibration of Kull et al. (2019), and the reliability diagram of a binary forecaster.
 */
final class BinaryCalibration {

    private final int numBins;
    private final double threshold;
    private int examples;
    private double totalWeight;
    private double brier;
    private double nll;
    private double correct;
    private final int[] counts;
    private final double[] binWeight;
    private final double[] probabilitySum;
    private final double[] positiveSum;

    /**
     * Creates empty totals.
     *
     * @param numBins   the number of equal-width probability bins, at least 1.
     * @param threshold the decision threshold for the accuracy: {@code p ≥ threshold} predicts positive.
     */
    BinaryCalibration(int numBins, double threshold) {
        this.numBins = numBins;
        this.threshold = threshold;
        this.counts = new int[numBins];
        this.binWeight = new double[numBins];
        this.probabilitySum = new double[numBins];
        this.positiveSum = new double[numBins];
    }

    /**
     * Adds one prediction; the caller has checked {@code p} and the weight.
     *
     * @param p        the predicted probability of the positive class, in [0, 1].
     * @param positive whether the target is positive.
     * @param weight   the weight, finite and non-negative.
     */
    void add(double p, boolean positive, double weight) {
        double y = positive ? 1.0 : 0.0;
        double pc = Math.min(1.0, Math.max(0.0, p));
        totalWeight += weight;
        brier += weight * (pc - y) * (pc - y);
        nll += weight * -Math.log(Math.max(positive ? pc : 1.0 - pc, CalibrationMetrics.PROBABILITY_FLOOR));
        if ((pc >= threshold) == positive) {
            correct += weight;
        }
        int b = CalibrationMetrics.binIndex(pc, numBins);
        counts[b]++;
        binWeight[b] += weight;
        probabilitySum[b] += weight * pc;
        positiveSum[b] += weight * y;
        examples++;
    }

    /**
     * The report of the predictions added: ECE and MCE over the probability bins, the binary Brier score
     * {@code mean (p − y)²}, the binary cross-entropy, and the accuracy at the threshold.
     *
     * @return the report.
     * @throws IllegalArgumentException when nothing was added or the weights sum to zero.
     */
    CalibrationReport report() {
        if (examples == 0) {
            throw new IllegalArgumentException("Calibration metrics need at least one example, none was added");
        }
        if (!(totalWeight > 0)) {
            throw new IllegalArgumentException("The weights sum to " + totalWeight + ", need a positive total");
        }
        List<ReliabilityTable.Bin> bins = new ArrayList<>(numBins);
        double ece = 0;
        double mce = 0;
        for (int b = 0; b < numBins; b++) {
            double mean = binWeight[b] > 0 ? probabilitySum[b] / binWeight[b] : Double.NaN;
            double frequency = binWeight[b] > 0 ? positiveSum[b] / binWeight[b] : Double.NaN;
            double upper = b == numBins - 1 ? 1.0 : CalibrationMetrics.lowerEdge(b + 1, numBins);
            bins.add(new ReliabilityTable.Bin(CalibrationMetrics.lowerEdge(b, numBins), upper, counts[b], binWeight[b],
                    mean, frequency));
            if (binWeight[b] > 0) {
                double gap = Math.abs(frequency - mean);
                ece += binWeight[b] / totalWeight * gap;
                mce = Math.max(mce, gap);
            }
        }
        return new CalibrationReport(ece, mce, brier / totalWeight, nll / totalWeight, correct / totalWeight, examples,
                new ReliabilityTable(bins));
    }
}
