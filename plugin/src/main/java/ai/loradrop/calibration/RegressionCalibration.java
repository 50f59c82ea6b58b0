/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.tribuo.Prediction;
import org.tribuo.regression.Regressor;

import java.util.List;
import java.util.Objects;

/**
 * Calibration of Gaussian predictive distributions for regression: each example and output dimension {@code d} gets
 * a predictive mean {@code μ} and variance {@code σ²} (for instance the mean and variance over the members of an
 * ensemble), scored against the true value {@code y}.
 * <ul>
 *     <li>Coverage at level {@code c}: the weighted fraction of (example, dimension) pairs whose {@code y} lies in the
 *     central interval {@code μ ± z σ}, {@code z = Φ⁻¹((1 + c)/2)} (bounds included), for the levels
 *     {@link #COVERAGE_LEVELS}; a calibrated model covers about {@code c}.</li>
 *     <li>Gaussian NLL: the weighted mean over examples of {@code Σ_d [½ log(2π σ²) + (y − μ)²/(2σ²)]}, in nats
 *     (the joint density of independent dimensions).</li>
 *     <li>RMSE, MAE and R² per dimension and their unweighted means over dimensions (Tribuo's
 *     {@code RegressionEvaluation} averages the same way): {@code RMSE = √(Σ w (y − μ)² / Σ w)},
 *     {@code MAE = Σ w |y − μ| / Σ w}, {@code R² = 1 − Σ w (y − μ)² / Σ w (y − ȳ)²} with {@code ȳ} the weighted
 *     mean of {@code y}.</li>
 * </ul>
 * Variances must be finite and positive: a model without a variance of its own (a single deterministic member) gets
 * one from {@link VarianceScaling#fitConstant}, the residual variance on a dev set.
 */
public final class RegressionCalibration {

    /** The central-interval levels the coverage is reported for (the JSON report's {@code coverage} keys). */
    public static final List<Double> COVERAGE_LEVELS = List.of(0.5, 0.8, 0.95);

    private RegressionCalibration() {
    }

    /**
     * Computes the report of one-dimensional predictions with unit weights.
     *
     * @param mean     the predictive means.
     * @param variance the predictive variances, finite and positive.
     * @param target   the true values.
     * @return the report.
     */
    public static RegressionCalibrationReport compute(double[] mean, double[] variance, double[] target) {
        return compute(column(mean, "mean"), column(variance, "variance"), column(target, "target"), null);
    }

    /**
     * Computes the report.
     *
     * @param mean     the {@code n × D} predictive means, finite.
     * @param variance the {@code n × D} predictive variances, finite and positive.
     * @param target   the {@code n × D} true values, finite.
     * @param weights  a non-negative weight per example with a positive total, or {@code null} for unit weights.
     * @return the report.
     */
    public static RegressionCalibrationReport compute(double[][] mean, double[][] variance, double[][] target,
                                                      double[] weights) {
        int dims = validate(mean, variance, target, weights, true);
        int n = mean.length;
        double[] z = new double[COVERAGE_LEVELS.size()];
        for (int c = 0; c < z.length; c++) {
            z[c] = Gaussian.centralHalfWidth(COVERAGE_LEVELS.get(c));
        }
        double totalWeight = 0;
        double nll = 0;
        double[] covered = new double[z.length];
        double[] sumY = new double[dims];
        double[] sumSq = new double[dims];
        double[] sumAbs = new double[dims];
        for (int i = 0; i < n; i++) {
            double w = weights == null ? 1.0 : weights[i];
            totalWeight += w;
            for (int d = 0; d < dims; d++) {
                double r = target[i][d] - mean[i][d];
                double v = variance[i][d];
                nll += w * (0.5 * Math.log(2 * Math.PI * v) + r * r / (2 * v));
                double sd = Math.sqrt(v);
                for (int c = 0; c < z.length; c++) {
                    if (Math.abs(r) <= z[c] * sd) {
                        covered[c] += w;
                    }
                }
                sumY[d] += w * target[i][d];
                sumSq[d] += w * r * r;
                sumAbs[d] += w * Math.abs(r);
            }
        }
        double[] rmse = new double[dims];
        double[] mae = new double[dims];
        double[] r2 = new double[dims];
        for (int d = 0; d < dims; d++) {
            double yBar = sumY[d] / totalWeight;
            double tot = 0;
            for (int i = 0; i < n; i++) {
                double w = weights == null ? 1.0 : weights[i];
                tot += w * (target[i][d] - yBar) * (target[i][d] - yBar);
            }
            rmse[d] = Math.sqrt(sumSq[d] / totalWeight);
            mae[d] = sumAbs[d] / totalWeight;
            r2[d] = 1 - sumSq[d] / tot;
        }
        double[] coverage = new double[z.length];
        for (int c = 0; c < z.length; c++) {
            coverage[c] = covered[c] / (totalWeight * dims);
        }
        return new RegressionCalibrationReport(n, dims, nll / totalWeight, COVERAGE_LEVELS, coverage, rmse, mae, r2);
    }

    /**
     * Plain arrays of Tribuo regression predictions.
     *
     * @param dimensions the dimension names, in Tribuo's (sorted) order.
     * @param mean       the {@code n × D} predicted values.
     * @param variance   the {@code n × D} predicted variances ({@code NaN} where the model gives none).
     * @param target     the {@code n × D} true values.
     * @param weights    the example weights.
     */
    public record PredictionArrays(List<String> dimensions, double[][] mean, double[][] variance, double[][] target,
                                   double[] weights) {
        /**
         * Copies the names.
         *
         * @param dimensions the dimension names.
         * @param mean       the means.
         * @param variance   the variances.
         * @param target     the targets.
         * @param weights    the weights.
         */
        public PredictionArrays {
            dimensions = List.copyOf(dimensions);
        }

        /**
         * Whether the model gave a finite variance for every value.
         *
         * @return true if all variances are finite.
         */
        public boolean hasVariances() {
            for (double[] row : variance) {
                for (double v : row) {
                    if (!Double.isFinite(v)) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /**
     * Turns Tribuo predictions into arrays: the predicted {@link Regressor}'s values and variances, and the example's
     * true values, all over the dimensions of the first prediction.
     *
     * @param predictions the predictions, at least one.
     * @return the arrays.
     * @throws IllegalArgumentException when a prediction or true output has other dimensions than the first prediction.
     */
    public static PredictionArrays fromPredictions(List<Prediction<Regressor>> predictions) {
        Objects.requireNonNull(predictions, "predictions");
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("Need at least one prediction");
        }
        String[] names = predictions.get(0).getOutput().getNames();
        int n = predictions.size();
        double[][] mean = new double[n][];
        double[][] variance = new double[n][];
        double[][] target = new double[n][];
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            Prediction<Regressor> p = predictions.get(i);
            Regressor out = p.getOutput();
            Regressor truth = p.getExample().getOutput();
            if (!java.util.Arrays.equals(out.getNames(), names) || !java.util.Arrays.equals(truth.getNames(), names)) {
                throw new IllegalArgumentException("Prediction " + i + " has dimensions "
                        + java.util.Arrays.toString(out.getNames()) + " and true output dimensions "
                        + java.util.Arrays.toString(truth.getNames()) + ", expected " + java.util.Arrays.toString(names));
            }
            mean[i] = out.getValues();
            variance[i] = out.getVariances();
            target[i] = truth.getValues();
            weights[i] = p.getExample().getWeight();
        }
        return new PredictionArrays(List.of(names), mean, variance, target, weights);
    }

    private static double[][] column(double[] values, String name) {
        Objects.requireNonNull(values, name);
        double[][] m = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            m[i] = new double[]{values[i]};
        }
        return m;
    }

    /**
     * Checks the shapes and values.
     *
     * @param requireVariance whether the variances must be finite and positive (else they are not looked at).
     * @return the number of dimensions.
     */
    static int validate(double[][] mean, double[][] variance, double[][] target, double[] weights,
                        boolean requireVariance) {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(target, "target");
        if (requireVariance) {
            Objects.requireNonNull(variance, "variance");
        }
        int n = mean.length;
        if (n == 0) {
            throw new IllegalArgumentException("Regression metrics need at least one example, mean is empty");
        }
        if (target.length != n || (variance != null && variance.length != n)) {
            throw new IllegalArgumentException("mean has " + n + " rows but target has " + target.length
                    + (variance == null ? "" : " and variance " + variance.length));
        }
        if (weights != null && weights.length != n) {
            throw new IllegalArgumentException("mean has " + n + " rows but weights has " + weights.length + " entries");
        }
        if (mean[0] == null || mean[0].length == 0) {
            throw new IllegalArgumentException("mean[0] is null or empty, need at least one dimension");
        }
        int dims = mean[0].length;
        double total = 0;
        for (int i = 0; i < n; i++) {
            checkRow("mean", i, mean[i], dims);
            checkRow("target", i, target[i], dims);
            if (variance != null) {
                if (variance[i] == null || variance[i].length != dims) {
                    throw new IllegalArgumentException("variance[" + i + "] has "
                            + (variance[i] == null ? "no" : variance[i].length) + " entries, expected " + dims);
                }
                if (requireVariance) {
                    for (int d = 0; d < dims; d++) {
                        double v = variance[i][d];
                        if (!(v > 0) || Double.isInfinite(v)) {
                            throw new IllegalArgumentException("variance[" + i + "][" + d + "] = " + v
                                    + " is not finite and positive; give a model without variances one with"
                                    + " VarianceScaling.fitConstant on a dev set");
                        }
                    }
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
        return dims;
    }

    private static void checkRow(String name, int i, double[] row, int dims) {
        if (row == null || row.length != dims) {
            throw new IllegalArgumentException(name + "[" + i + "] has " + (row == null ? "no" : row.length)
                    + " entries, expected " + dims);
        }
        for (int d = 0; d < dims; d++) {
            if (!Double.isFinite(row[d])) {
                throw new IllegalArgumentException(name + "[" + i + "][" + d + "] = " + row[d] + " is not finite");
            }
        }
    }
}
