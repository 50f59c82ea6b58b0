/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.calibration.CalibrationMetrics;
import ai.loradrop.calibration.CalibrationReport;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one variant of a model (deterministic or ensemble, with or without a temperature) computed from
 * its class probabilities: the entries of {@code loradrop train}'s report ({@code accuracy}, {@code macro_f1},
 * {@code ece}, {@code mce}, {@code brier}, {@code nll}, {@code reliability}), calibration by
 * {@link CalibrationMetrics} (15 bins).
 */
final class VariantMetrics {
    private VariantMetrics() {}

    /**
     * Probabilities {@code softmax(z / T)} of log-scores.
     * @param logScores {@code [n][C]} log-scores.
     * @param temperature the temperature.
     * @return {@code [n][C]} probabilities.
     */
    static double[][] softmax(double[][] logScores, double temperature) {
        double[][] p = new double[logScores.length][];
        for (int i = 0; i < p.length; i++) {
            double[] z = logScores[i];
            double max = Double.NEGATIVE_INFINITY;
            for (double x : z) {
                max = Math.max(max, x / temperature);
            }
            double[] row = new double[z.length];
            double sum = 0;
            for (int j = 0; j < z.length; j++) {
                row[j] = Math.exp(z[j] / temperature - max);
                sum += row[j];
            }
            for (int j = 0; j < z.length; j++) {
                row[j] /= sum;
            }
            p[i] = row;
        }
        return p;
    }

    /**
     * The log of the mean probability of the first {@code k} members, as the model computes an ensemble's log-scores.
     * @param members {@code [n][K][C]} member probabilities.
     * @param k how many members, at most K.
     * @return {@code [n][C]} log-scores.
     */
    static double[][] ensembleLogScores(float[][][] members, int k) {
        double[][] out = new double[members.length][];
        for (int i = 0; i < members.length; i++) {
            int c = members[i][0].length;
            double[] row = new double[c];
            for (int m = 0; m < k; m++) {
                for (int j = 0; j < c; j++) {
                    row[j] += members[i][m][j] / (double) k;
                }
            }
            for (int j = 0; j < c; j++) {
                row[j] = Math.log(Math.max(row[j], 1e-30));
            }
            out[i] = row;
        }
        return out;
    }

    static int argMax(double[] p) {
        int best = 0;
        for (int j = 1; j < p.length; j++) {
            if (p[j] > p[best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Macro-averaged F1 over the classes that occur among the labels or the predictions.
     */
    static double macroF1(double[][] probs, int[] labels, int classes) {
        int[] tp = new int[classes];
        int[] fp = new int[classes];
        int[] fn = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            int p = argMax(probs[i]);
            if (p == labels[i]) {
                tp[p]++;
            } else {
                fp[p]++;
                fn[labels[i]]++;
            }
        }
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            if (tp[c] + fp[c] + fn[c] == 0) {
                continue;
            }
            sum += 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]);
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * The report entry of a variant.
     * @param ensembleSize K (1: deterministic).
     * @param temperature the temperature applied.
     * @param probs {@code [n][C]} probabilities.
     * @param labels the true class ids.
     * @param withBins whether to include the reliability bins.
     * @return the entry.
     */
    static Map<String, Object> of(int ensembleSize, double temperature, double[][] probs, int[] labels, boolean withBins) {
        CalibrationReport r = CalibrationMetrics.compute(probs, labels);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ensemble_size", ensembleSize);
        m.put("temperature", finite(temperature));
        m.put("examples", r.examples());
        m.put("accuracy", finite(r.accuracy()));
        m.put("macro_f1", finite(macroF1(probs, labels, probs.length == 0 ? 0 : probs[0].length)));
        m.put("ece", finite(r.ece()));
        m.put("mce", finite(r.mce()));
        m.put("brier", finite(r.brier()));
        m.put("nll", finite(r.nll()));
        if (withBins) {
            m.put("reliability", r.toMap().get("bins"));
        }
        return m;
    }

    /** The value, or null when it is NaN or infinite (JSON has neither). */
    static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /**
     * The confusion matrix {@code [true][predicted]}.
     */
    static int[][] confusion(double[][] probs, int[] labels, int classes) {
        int[][] m = new int[classes][classes];
        for (int i = 0; i < labels.length; i++) {
            m[labels[i]][argMax(probs[i])]++;
        }
        return m;
    }
}
