/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The running sums behind a {@link CalibrationReport}: per confidence bin the example count, weight, weighted
 * confidence and weighted correct predictions, and over all examples the weight, Brier and NLL sums and the weighted
 * correct count. Totals of disjoint parts of a data set {@linkplain #merge merge} into the totals of the whole, so a
 * report can be computed where the data lives (for example per Spark partition) and only the sums travel.
 * {@link CalibrationMetrics#compute(double[][], int[], double[], int)} adds its rows to one of these; the conventions
 * (arg-max ties, bin edges, probability floor) are the ones documented there. Mutable, not thread-safe.
 */
public final class CalibrationTotals implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int numBins;
    private int numClasses = -1;
    private int examples;
    private double totalWeight;
    private double brier;
    private double nll;
    private double correct;
    private final int[] counts;
    private final double[] binWeight;
    private final double[] confidenceSum;
    private final double[] correctSum;

    /**
     * Creates empty totals.
     *
     * @param numBins the number of equal-width confidence bins, at least 1.
     */
    public CalibrationTotals(int numBins) {
        if (numBins < 1) {
            throw new IllegalArgumentException("numBins must be at least 1, got " + numBins);
        }
        this.numBins = numBins;
        this.counts = new int[numBins];
        this.binWeight = new double[numBins];
        this.confidenceSum = new double[numBins];
        this.correctSum = new double[numBins];
    }

    /**
     * Adds one example, after checking it as {@link CalibrationMetrics} does (a probability row over the same classes
     * as the earlier rows, a label among them, a finite non-negative weight).
     *
     * @param row    the class probabilities.
     * @param label  the true class index.
     * @param weight the example weight.
     * @return this.
     * @throws IllegalArgumentException when the row, label or weight is invalid; the message names {@code examples()}
     *                                  as the row index.
     */
    public CalibrationTotals add(double[] row, int label, double weight) {
        int k = numClasses < 0 ? (row == null ? 0 : row.length) : numClasses;
        if (k == 0) {
            throw new IllegalArgumentException("probs[" + examples + "] is null or empty, need at least one class");
        }
        CalibrationMetrics.checkRow(examples, row, k, label, weight);
        numClasses = k;
        int predicted = CalibrationMetrics.argmax(row);
        double squaredError = 0;
        for (int c = 0; c < row.length; c++) {
            double diff = row[c] - (c == label ? 1.0 : 0.0);
            squaredError += diff * diff;
        }
        totalWeight += weight;
        brier += weight * squaredError;
        nll += weight * -Math.log(Math.max(row[label], CalibrationMetrics.PROBABILITY_FLOOR));
        if (predicted == label) {
            correct += weight;
        }
        double confidence = row[predicted];
        int b = CalibrationMetrics.binIndex(confidence, numBins);
        counts[b]++;
        binWeight[b] += weight;
        confidenceSum[b] += weight * confidence;
        if (predicted == label) {
            correctSum[b] += weight;
        }
        examples++;
        return this;
    }

    /**
     * Adds the totals of another, disjoint part of the data.
     *
     * @param other totals with the same number of bins (and classes, when both have examples).
     * @return this.
     * @throws IllegalArgumentException when the bin or class counts differ.
     */
    public CalibrationTotals merge(CalibrationTotals other) {
        if (other.numBins != numBins) {
            throw new IllegalArgumentException("Cannot merge calibration totals over " + other.numBins + " bins into totals over "
                    + numBins);
        }
        if (other.numClasses >= 0 && numClasses >= 0 && other.numClasses != numClasses) {
            throw new IllegalArgumentException("Cannot merge calibration totals over " + other.numClasses
                    + " classes into totals over " + numClasses);
        }
        if (other.numClasses >= 0) {
            numClasses = other.numClasses;
        }
        examples += other.examples;
        totalWeight += other.totalWeight;
        brier += other.brier;
        nll += other.nll;
        correct += other.correct;
        for (int b = 0; b < numBins; b++) {
            counts[b] += other.counts[b];
            binWeight[b] += other.binWeight[b];
            confidenceSum[b] += other.confidenceSum[b];
            correctSum[b] += other.correctSum[b];
        }
        return this;
    }

    /**
     * The number of examples added.
     *
     * @return the example count.
     */
    public int examples() {
        return examples;
    }

    /**
     * The number of confidence bins.
     *
     * @return the bin count.
     */
    public int numBins() {
        return numBins;
    }

    /**
     * The reliability table of the examples added so far.
     *
     * @return the table.
     */
    public ReliabilityTable table() {
        List<ReliabilityTable.Bin> bins = new ArrayList<>(numBins);
        for (int b = 0; b < numBins; b++) {
            double meanConfidence = binWeight[b] > 0 ? confidenceSum[b] / binWeight[b] : Double.NaN;
            double accuracy = binWeight[b] > 0 ? correctSum[b] / binWeight[b] : Double.NaN;
            double upper = b == numBins - 1 ? 1.0 : CalibrationMetrics.lowerEdge(b + 1, numBins);
            bins.add(new ReliabilityTable.Bin(CalibrationMetrics.lowerEdge(b, numBins), upper, counts[b], binWeight[b],
                    meanConfidence, accuracy));
        }
        return new ReliabilityTable(bins);
    }

    /**
     * The calibration report of the examples added so far.
     *
     * @return the report.
     * @throws IllegalArgumentException when no example was added or the weights sum to zero.
     */
    public CalibrationReport report() {
        if (examples == 0) {
            throw new IllegalArgumentException("Calibration metrics need at least one example, none was added");
        }
        if (!(totalWeight > 0)) {
            throw new IllegalArgumentException("The weights sum to " + totalWeight + ", need a positive total");
        }
        ReliabilityTable table = table();
        double ece = 0;
        double mce = 0;
        for (ReliabilityTable.Bin bin : table.bins()) {
            if (!bin.isEmpty()) {
                double absGap = Math.abs(bin.gap());
                ece += bin.weight() / totalWeight * absGap;
                mce = Math.max(mce, absGap);
            }
        }
        return new CalibrationReport(ece, mce, brier / totalWeight, nll / totalWeight, correct / totalWeight, examples,
                table);
    }
}
