/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.tribuo.Prediction;
import org.tribuo.multilabel.MultiLabel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Calibration of multi-label predictions: one independent probability {@code p_il = P(label l applies to example i)}
 * per example and label (a sigmoid per label), against the 0/1 truth {@code y_il}.
 * <p>
 * Every (example, label) pair is a binary prediction. For each label, and pooled over all pairs, the report gives
 * <ul>
 *     <li>ECE {@code = Σ_b (W_b/W)·|freq_b − mean_b|} over {@code M} equal-width bins of {@code p} (the bins of
 *     {@link CalibrationMetrics#binIndex}), where {@code mean_b} is the weighted mean of {@code p} in the bin and
 *     {@code freq_b} its weighted fraction of positives: class-wise calibration (Kull et al., 2019), not top-label;
 *     MCE is the largest such gap;</li>
 *     <li>Brier {@code = mean (p − y)²} (pooled: over all {@code n·L} pairs, so it is the mean of the per-label
 *     scores; in [0, 1]);</li>
 *     <li>NLL, the binary cross-entropy {@code −mean [y log p + (1 − y) log(1 − p)]} with the probability floor
 *     {@value CalibrationMetrics#PROBABILITY_FLOOR};</li>
 *     <li>accuracy, the fraction of pairs decided right at the threshold ({@code p ≥ threshold} is positive).</li>
 * </ul>
 * Each pair carries its example's weight. The reliability tables plot with
 * {@link ReliabilityDiagram#withAxes(ReliabilityDiagram.Axes)} and {@link ReliabilityDiagram.Axes#PROBABILITY}.
 */
public final class MultiLabelCalibration {

    /** The default decision threshold on each label's probability. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    private MultiLabelCalibration() {
    }

    /**
     * Computes the report with {@value CalibrationMetrics#DEFAULT_BINS} bins, unit weights, the default threshold and
     * labels named "0", "1", ....
     *
     * @param probs   the {@code n × L} probabilities.
     * @param targets the {@code n × L} truth.
     * @return the report.
     */
    public static MultiLabelCalibrationReport compute(double[][] probs, boolean[][] targets) {
        return compute(probs, targets, null, null, CalibrationMetrics.DEFAULT_BINS, DEFAULT_THRESHOLD);
    }

    /**
     * Computes the report.
     *
     * @param probs     the {@code n × L} probabilities, each in [0, 1] (within
     *                  {@link CalibrationMetrics#ROW_SUM_TOLERANCE}); rows need not sum to anything.
     * @param targets   the {@code n × L} truth, true where the label applies.
     * @param weights   a non-negative weight per example with a positive total, or {@code null} for unit weights.
     * @param labels    the {@code L} label names, or {@code null} for "0", "1", ....
     * @param numBins   the number of equal-width probability bins, at least 1.
     * @param threshold the decision threshold in (0, 1).
     * @return the report.
     */
    public static MultiLabelCalibrationReport compute(double[][] probs, boolean[][] targets, double[] weights,
                                                      List<String> labels, int numBins, double threshold) {
        int numLabels = validate(probs, targets, weights, labels, numBins, threshold);
        BinaryCalibration pooled = new BinaryCalibration(numBins, threshold);
        List<BinaryCalibration> perLabel = new ArrayList<>(numLabels);
        for (int l = 0; l < numLabels; l++) {
            perLabel.add(new BinaryCalibration(numBins, threshold));
        }
        for (int i = 0; i < probs.length; i++) {
            double w = weights == null ? 1.0 : weights[i];
            for (int l = 0; l < numLabels; l++) {
                pooled.add(probs[i][l], targets[i][l], w);
                perLabel.get(l).add(probs[i][l], targets[i][l], w);
            }
        }
        List<String> names = new ArrayList<>(numLabels);
        List<CalibrationReport> reports = new ArrayList<>(numLabels);
        for (int l = 0; l < numLabels; l++) {
            names.add(labels == null ? Integer.toString(l) : labels.get(l));
            reports.add(perLabel.get(l).report());
        }
        return new MultiLabelCalibrationReport(names, pooled.report(), reports, probs.length, threshold);
    }

    /**
     * Plain arrays of Tribuo multi-label predictions: each label's score (the probability, for a model whose
     * predictions have probabilities) and whether the example's true output holds it.
     *
     * @param labels  the label names, sorted.
     * @param probs   the {@code n × L} scores.
     * @param targets the {@code n × L} truth.
     * @param weights the example weights.
     */
    public record PredictionArrays(List<String> labels, double[][] probs, boolean[][] targets, double[] weights) {
        /**
         * Checks the shapes.
         *
         * @param labels  the label names.
         * @param probs   the scores.
         * @param targets the truth.
         * @param weights the weights.
         */
        public PredictionArrays {
            labels = List.copyOf(labels);
            if (probs.length != targets.length || probs.length != weights.length) {
                throw new IllegalArgumentException("probs, targets and weights have " + probs.length + ", "
                        + targets.length + " and " + weights.length + " rows");
            }
        }

        /**
         * Computes the calibration report of these arrays.
         *
         * @param numBins   the number of bins.
         * @param threshold the decision threshold.
         * @return the report.
         */
        public MultiLabelCalibrationReport report(int numBins, double threshold) {
            return compute(probs, targets, weights, labels, numBins, threshold);
        }
    }

    /**
     * Turns Tribuo predictions into arrays, labels in sorted order. Every prediction must score the same labels
     * (a multi-label model scores every label of its domain) and carry its example's true output.
     *
     * @param predictions the predictions, at least one.
     * @return the arrays.
     * @throws IllegalArgumentException when a prediction scores other labels than the first, a score is not finite,
     *                                  or a true label was never scored.
     */
    public static PredictionArrays fromPredictions(List<Prediction<MultiLabel>> predictions) {
        Objects.requireNonNull(predictions, "predictions");
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("Need at least one prediction");
        }
        List<String> labels = List.copyOf(new TreeSet<>(predictions.get(0).getOutputScores().keySet()));
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("Prediction 0 has no output scores; the model must score every label");
        }
        int n = predictions.size();
        double[][] probs = new double[n][labels.size()];
        boolean[][] targets = new boolean[n][labels.size()];
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            Prediction<MultiLabel> p = predictions.get(i);
            Map<String, MultiLabel> scores = p.getOutputScores();
            if (!scores.keySet().equals(Set.copyOf(labels))) {
                throw new IllegalArgumentException("Prediction " + i + " scores " + new TreeSet<>(scores.keySet())
                        + ", prediction 0 scores " + labels);
            }
            Set<String> truth = p.getExample().getOutput().getNameSet();
            for (String t : truth) {
                if (!scores.containsKey(t)) {
                    throw new IllegalArgumentException("Prediction " + i + ": true label '" + t
                            + "' is not among the scored labels " + labels);
                }
            }
            for (int l = 0; l < labels.size(); l++) {
                double s = score(scores.get(labels.get(l)), labels.get(l));
                if (!Double.isFinite(s)) {
                    throw new IllegalArgumentException("Prediction " + i + ": score of '" + labels.get(l) + "' is " + s);
                }
                probs[i][l] = s;
                targets[i][l] = truth.contains(labels.get(l));
            }
            weights[i] = p.getExample().getWeight();
        }
        return new PredictionArrays(labels, probs, targets, weights);
    }

    /**
     * The score of one label in a prediction's output scores: Tribuo's linear multi-label models keep it on the
     * {@link org.tribuo.classification.Label} inside the {@link MultiLabel} (whose own score is NaN), other models on the
     * {@code MultiLabel} itself.
     */
    private static double score(MultiLabel m, String name) {
        double s = m.getScore();
        if (Double.isFinite(s)) {
            return s;
        }
        for (org.tribuo.classification.Label l : m.getLabelSet()) {
            if (l.getLabel().equals(name)) {
                return l.getScore();
            }
        }
        return s;
    }

    private static int validate(double[][] probs, boolean[][] targets, double[] weights, List<String> labels,
                                int numBins, double threshold) {
        Objects.requireNonNull(probs, "probs");
        Objects.requireNonNull(targets, "targets");
        if (numBins < 1) {
            throw new IllegalArgumentException("numBins must be at least 1, got " + numBins);
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1), got " + threshold);
        }
        int n = probs.length;
        if (n == 0) {
            throw new IllegalArgumentException("Calibration metrics need at least one example, probs is empty");
        }
        if (targets.length != n) {
            throw new IllegalArgumentException("probs has " + n + " rows but targets has " + targets.length);
        }
        if (weights != null && weights.length != n) {
            throw new IllegalArgumentException("probs has " + n + " rows but weights has " + weights.length + " entries");
        }
        if (probs[0] == null || probs[0].length == 0) {
            throw new IllegalArgumentException("probs[0] is null or empty, need at least one label");
        }
        int numLabels = probs[0].length;
        if (labels != null && labels.size() != numLabels) {
            throw new IllegalArgumentException("probs has " + numLabels + " labels but " + labels.size() + " names were given");
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (probs[i] == null || probs[i].length != numLabels) {
                throw new IllegalArgumentException("probs[" + i + "] has " + (probs[i] == null ? "no" : probs[i].length)
                        + " entries, expected " + numLabels + " like probs[0]");
            }
            if (targets[i] == null || targets[i].length != numLabels) {
                throw new IllegalArgumentException("targets[" + i + "] has "
                        + (targets[i] == null ? "no" : targets[i].length) + " entries, expected " + numLabels);
            }
            for (int l = 0; l < numLabels; l++) {
                double p = probs[i][l];
                if (!(p >= -CalibrationMetrics.ROW_SUM_TOLERANCE && p <= 1 + CalibrationMetrics.ROW_SUM_TOLERANCE)) {
                    throw new IllegalArgumentException("probs[" + i + "][" + l + "] = " + p
                            + " is not a probability in [0, 1]; pass sigmoid outputs, not logits");
                }
            }
            double w = weights == null ? 1.0 : weights[i];
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("weights[" + i + "] = " + w + " is not a finite non-negative number");
            }
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("The weights sum to " + total + ", need a positive total");
        }
        return numLabels;
    }
}
