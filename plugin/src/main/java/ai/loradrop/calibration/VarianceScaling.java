/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * A variance scale per output dimension, {@code σ'² = s_d · σ²}, fitted on a dev set to minimise the Gaussian NLL:
 * for regression it plays the part temperature scaling plays for classes (the means, and so RMSE, MAE and R², are
 * unchanged; the NLL and the interval coverages move).
 * <p>
 * The optimum has a closed form: {@code d/ds Σ w [½ log(s σ²) + r²/(2 s σ²)] = 0} gives
 * {@code s_d = Σ_i w_i r_id² / σ_id² / Σ_i w_i}, the weighted mean squared standardised residual, {@code r = y − μ}.
 * With unit variances ({@link #fitConstant}) {@code s_d} is the dev set's weighted mean squared error: a constant,
 * homoscedastic variance for a model that has no variance of its own. Immutable and serializable.
 */
public final class VarianceScaling implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger logger = Logger.getLogger(VarianceScaling.class.getName());

    /** The smallest scale a fit returns, so a dev set fitted exactly still gives positive variances. */
    public static final double MIN_SCALE = 1e-12;

    private final double[] scales;

    private VarianceScaling(double[] scales) {
        for (double s : scales) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("Variance scales must be finite and positive, got " + Arrays.toString(scales));
            }
        }
        this.scales = scales.clone();
    }

    /**
     * A scaling with known per-dimension scales.
     *
     * @param scales one scale per dimension, finite and positive.
     * @return the scaling.
     */
    public static VarianceScaling of(double... scales) {
        Objects.requireNonNull(scales, "scales");
        if (scales.length == 0) {
            throw new IllegalArgumentException("Need at least one scale");
        }
        return new VarianceScaling(scales);
    }

    /**
     * Fits the scales minimising the dev set's Gaussian NLL.
     *
     * @param mean     the {@code n × D} predictive means.
     * @param variance the {@code n × D} predictive variances, finite and positive.
     * @param target   the {@code n × D} true values.
     * @param weights  the example weights, or {@code null} for unit weights.
     * @return the fitted scaling.
     */
    public static VarianceScaling fit(double[][] mean, double[][] variance, double[][] target, double[] weights) {
        int dims = RegressionCalibration.validate(mean, variance, target, weights, true);
        double[] s = new double[dims];
        double total = 0;
        for (int i = 0; i < mean.length; i++) {
            double w = weights == null ? 1.0 : weights[i];
            total += w;
            for (int d = 0; d < dims; d++) {
                double r = target[i][d] - mean[i][d];
                s[d] += w * r * r / variance[i][d];
            }
        }
        for (int d = 0; d < dims; d++) {
            s[d] = Math.max(MIN_SCALE, s[d] / total);
        }
        logger.info(() -> "Variance scales fitted on " + mean.length + " examples: " + Arrays.toString(s));
        return new VarianceScaling(s);
    }

    /**
     * Fits a constant variance per dimension (the weighted mean squared error), for predictions without variances.
     *
     * @param mean    the {@code n × D} predictions.
     * @param target  the {@code n × D} true values.
     * @param weights the example weights, or {@code null} for unit weights.
     * @return the scaling to apply to unit variances ({@link #constantVariances}).
     */
    public static VarianceScaling fitConstant(double[][] mean, double[][] target, double[] weights) {
        int dims = RegressionCalibration.validate(mean, null, target, weights, false);
        double[][] ones = new double[mean.length][dims];
        for (double[] row : ones) {
            Arrays.fill(row, 1.0);
        }
        return fit(mean, ones, target, weights);
    }

    /**
     * The scale of a dimension.
     *
     * @param dim the dimension.
     * @return {@code s_dim}.
     */
    public double scale(int dim) {
        return scales[dim];
    }

    /**
     * The scales.
     *
     * @return a copy of the per-dimension scales.
     */
    public double[] scales() {
        return scales.clone();
    }

    /**
     * The scaled variances {@code s_d · σ²}.
     *
     * @param variance the {@code n × D} variances, D the number of scales.
     * @return a new matrix.
     */
    public double[][] apply(double[][] variance) {
        Objects.requireNonNull(variance, "variance");
        double[][] out = new double[variance.length][];
        for (int i = 0; i < variance.length; i++) {
            if (variance[i] == null || variance[i].length != scales.length) {
                throw new IllegalArgumentException("variance[" + i + "] has "
                        + (variance[i] == null ? "no" : variance[i].length) + " entries, expected " + scales.length);
            }
            out[i] = new double[scales.length];
            for (int d = 0; d < scales.length; d++) {
                out[i][d] = scales[d] * variance[i][d];
            }
        }
        return out;
    }

    /**
     * The constant variances of {@link #fitConstant}: {@code s_d} for every one of {@code n} examples.
     *
     * @param n the number of examples.
     * @return a new {@code n × D} matrix.
     */
    public double[][] constantVariances(int n) {
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            out[i] = scales.clone();
        }
        return out;
    }

    /**
     * Rejects serialized scales that are not finite and positive.
     *
     * @param in the stream.
     * @throws IOException            if the stream fails or a scale is invalid.
     * @throws ClassNotFoundException if a class is missing.
     */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (scales == null || scales.length == 0) {
            throw new InvalidObjectException("No serialized variance scales");
        }
        for (double s : scales) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new InvalidObjectException("Invalid serialized variance scale " + s);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VarianceScaling other && Arrays.equals(scales, other.scales);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(scales);
    }

    @Override
    public String toString() {
        return "VarianceScaling(s=" + Arrays.toString(scales) + ")";
    }
}
