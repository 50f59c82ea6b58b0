/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import java.io.Serializable;

/**
 * How uncertain one prediction of a {@link LoraDropModel} is. All logarithms are natural, so entropies lie in
 * {@code [0, ln C]} for {@code C} classes.
 * <ul>
 *     <li>{@link #entropy()}: the predictive entropy {@code H[p]} of the distribution the prediction reports (after
 *     temperature scaling).</li>
 *     <li>{@link #mutualInformation()}: the disagreement of the ensemble members, {@code H[p̄] − (1/K) Σₖ H[pₖ]},
 *     computed on the members' own (unscaled) distributions and their mean {@code p̄}; non-negative, and 0 for a
 *     deterministic model ({@code K = 1}).</li>
 *     <li>{@link #agreement()}: the fraction of members whose arg-max equals the arg-max of {@code p̄}, in
 *     {@code [1/K, 1]}; 1 for a deterministic model.</li>
 * </ul>
 *
 * @param entropy the predictive entropy of the reported distribution.
 * @param mutualInformation the mutual information between prediction and ensemble member (0 when {@code K = 1}).
 * @param agreement the fraction of members agreeing with the ensemble's arg-max (1 when {@code K = 1}).
 * @param members the ensemble size {@code K}.
 */
public record Uncertainty(double entropy, double mutualInformation, double agreement, int members) implements Serializable {
    /**
     * Validates the ranges.
     * @param entropy the predictive entropy of the reported distribution.
     * @param mutualInformation the mutual information between prediction and ensemble member (0 when {@code K = 1}).
     * @param agreement the fraction of members agreeing with the ensemble's arg-max (1 when {@code K = 1}).
     * @param members the ensemble size {@code K}.
     */
    public Uncertainty {
        if (!(entropy >= 0) || Double.isInfinite(entropy)) {
            throw new IllegalArgumentException("entropy must be finite and non-negative, got " + entropy);
        }
        if (!(mutualInformation >= 0) || Double.isInfinite(mutualInformation)) {
            throw new IllegalArgumentException("mutualInformation must be finite and non-negative, got " + mutualInformation);
        }
        if (!(agreement >= 0 && agreement <= 1)) {
            throw new IllegalArgumentException("agreement must be in [0, 1], got " + agreement);
        }
        if (members < 1) {
            throw new IllegalArgumentException("members must be at least 1, got " + members);
        }
    }

    /**
     * The uncertainty of an ensemble prediction.
     * @param reported the distribution the prediction reports (temperature-scaled mean).
     * @param members the members' distributions, {@code [K][C]}.
     * @return the uncertainty.
     */
    static Uncertainty ofEnsemble(double[] reported, float[][] members) {
        int k = members.length;
        int c = reported.length;
        double[] mean = new double[c];
        double meanMemberEntropy = 0;
        for (float[] m : members) {
            double h = 0;
            for (int j = 0; j < c; j++) {
                mean[j] += m[j] / (double) k;
                h += plogp(m[j]);
            }
            meanMemberEntropy += -h / k;
        }
        double meanEntropy = entropyOf(mean);
        int top = argMax(mean);
        int agreeing = 0;
        for (float[] m : members) {
            double[] md = new double[c];
            for (int j = 0; j < c; j++) {
                md[j] = m[j];
            }
            agreeing += argMax(md) == top ? 1 : 0;
        }
        // Concavity makes the difference non-negative; float rounding can push it a hair below zero.
        double mi = Math.max(0.0, meanEntropy - meanMemberEntropy);
        return new Uncertainty(entropyOf(reported), mi, agreeing / (double) k, k);
    }

    /**
     * The uncertainty of a deterministic prediction: its entropy, no disagreement.
     * @param reported the reported distribution.
     * @return the uncertainty.
     */
    static Uncertainty ofDeterministic(double[] reported) {
        return new Uncertainty(entropyOf(reported), 0.0, 1.0, 1);
    }

    private static double entropyOf(double[] p) {
        double h = 0;
        for (double x : p) {
            h += plogp(x);
        }
        return Math.max(0.0, -h);
    }

    private static double plogp(double x) {
        return x > 0 ? x * Math.log(x) : 0.0;
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
}
