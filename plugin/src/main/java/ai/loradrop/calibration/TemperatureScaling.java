/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Temperature scaling (Guo et al., 2017): a single temperature {@code T > 0} applied to the logits before the
 * softmax, {@code p = softmax(z / T)}, fitted to minimise the negative log-likelihood of held-out data.
 * Dividing by a positive constant never changes the arg-max, so accuracy is unchanged by construction.
 * <p>
 * Log-probabilities can be passed instead of logits: they differ from the logits by a per-row constant, which
 * the softmax ignores. Inputs must be finite, so clamp log-probabilities of zero (e.g. {@code log(max(p, 1e-12))}).
 * <p>
 * {@link #fit} runs a golden-section search on {@code log T} over [{@value #MIN_TEMPERATURE},
 * {@value #MAX_TEMPERATURE}] until the bracket is narrower than {@value #LOG_TEMPERATURE_TOLERANCE} in
 * {@code log T} (a relative precision of about 1e-6 on {@code T}). The search is exact for this problem because
 * the NLL is convex in {@code 1/T}, hence unimodal in {@code log T}. Immutable and serializable.
 */
public final class TemperatureScaling implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger logger = Logger.getLogger(TemperatureScaling.class.getName());

    /** The smallest temperature {@link #fit} considers. */
    public static final double MIN_TEMPERATURE = 0.05;

    /** The largest temperature {@link #fit} considers. */
    public static final double MAX_TEMPERATURE = 20.0;

    /** The width of the final golden-section bracket, in {@code log T}. */
    public static final double LOG_TEMPERATURE_TOLERANCE = 1e-6;

    private static final double INVERSE_GOLDEN_RATIO = (Math.sqrt(5) - 1) / 2;

    /** The temperature, finite and positive. */
    private final double temperature;

    private TemperatureScaling(double temperature) {
        this.temperature = checkTemperature(temperature);
    }

    /**
     * Creates a scaling with a known temperature.
     *
     * @param temperature the temperature, finite and positive.
     * @return the scaling.
     */
    public static TemperatureScaling of(double temperature) {
        return new TemperatureScaling(temperature);
    }

    /**
     * Returns the scaling with {@code T = 1}, which leaves the softmax of the logits unchanged.
     *
     * @return the identity scaling.
     */
    public static TemperatureScaling identity() {
        return new TemperatureScaling(1.0);
    }

    /**
     * Fits the temperature minimising the mean NLL of {@code softmax(z / T)} on validation data.
     *
     * @param logits the {@code n × k} logits (or log-probabilities) of the validation examples, finite.
     * @param labels the true class index of each row.
     * @return the fitted scaling.
     */
    public static TemperatureScaling fit(double[][] logits, int[] labels) {
        validate(logits, labels);
        double t = searchTemperature(temperature -> meanNll(logits, labels, temperature));
        if (logger.isLoggable(Level.INFO)) {
            logger.info(String.format(Locale.ROOT, "Temperature scaling on %d examples: T = %.4f, NLL %.5f -> %.5f",
                    logits.length, t, meanNll(logits, labels, 1.0), meanNll(logits, labels, t)));
        }
        return new TemperatureScaling(t);
    }

    /**
     * Finds the temperature in [{@value #MIN_TEMPERATURE}, {@value #MAX_TEMPERATURE}] minimising a function that is
     * unimodal in {@code log T}, by golden-section search on {@code log T} to {@value #LOG_TEMPERATURE_TOLERANCE};
     * logs a warning when the minimum is at an edge of the range. Shared by every temperature fit of this package.
     *
     * @param objective the loss as a function of the temperature.
     * @return the minimising temperature.
     */
    static double searchTemperature(DoubleUnaryOperator objective) {
        double lo = Math.log(MIN_TEMPERATURE);
        double hi = Math.log(MAX_TEMPERATURE);
        double x1 = hi - INVERSE_GOLDEN_RATIO * (hi - lo);
        double x2 = lo + INVERSE_GOLDEN_RATIO * (hi - lo);
        double f1 = objective.applyAsDouble(Math.exp(x1));
        double f2 = objective.applyAsDouble(Math.exp(x2));
        while (hi - lo > LOG_TEMPERATURE_TOLERANCE) {
            if (f1 <= f2) {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - INVERSE_GOLDEN_RATIO * (hi - lo);
                f1 = objective.applyAsDouble(Math.exp(x1));
            } else {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + INVERSE_GOLDEN_RATIO * (hi - lo);
                f2 = objective.applyAsDouble(Math.exp(x2));
            }
        }
        double t = Math.exp((lo + hi) / 2);
        if (Math.log(t) - Math.log(MIN_TEMPERATURE) < 1e-3 || Math.log(MAX_TEMPERATURE) - Math.log(t) < 1e-3) {
            logger.warning(String.format(Locale.ROOT, "Fitted temperature %.4f is at the edge of the search "
                    + "range [%s, %s]; the validation NLL may still decrease beyond it", t, MIN_TEMPERATURE,
                    MAX_TEMPERATURE));
        }
        return t;
    }

    /**
     * Returns the temperature.
     *
     * @return {@code T}.
     */
    public double temperature() {
        return temperature;
    }

    /**
     * Returns the calibrated class probabilities {@code softmax(z / T)} of one example.
     *
     * @param logits the logits (or log-probabilities), finite.
     * @return a new probability array of the same length.
     */
    public double[] apply(double[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length == 0) {
            throw new IllegalArgumentException("logits is empty");
        }
        for (int c = 0; c < logits.length; c++) {
            if (!Double.isFinite(logits[c])) {
                throw new IllegalArgumentException("logits[" + c + "] = " + logits[c] + " is not finite");
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) {
            max = Math.max(max, z);
        }
        double[] probs = new double[logits.length];
        double sum = 0;
        for (int c = 0; c < logits.length; c++) {
            probs[c] = Math.exp((logits[c] - max) / temperature);
            sum += probs[c];
        }
        for (int c = 0; c < probs.length; c++) {
            probs[c] /= sum;
        }
        return probs;
    }

    /**
     * Returns the calibrated class probabilities of every row.
     *
     * @param logits the {@code n × k} logits (or log-probabilities), finite.
     * @return a new {@code n × k} probability matrix.
     */
    public double[][] apply(double[][] logits) {
        Objects.requireNonNull(logits, "logits");
        double[][] probs = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            try {
                probs[i] = apply(logits[i]);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("Invalid logits row " + i + ": " + e.getMessage(), e);
            }
        }
        return probs;
    }

    /**
     * Returns the mean negative log-likelihood of {@code softmax(z / T)} at this temperature, computed with a
     * stable log-sum-exp (no probability floor needed).
     *
     * @param logits the {@code n × k} logits (or log-probabilities), finite.
     * @param labels the true class index of each row.
     * @return the mean NLL in nats.
     */
    public double negativeLogLikelihood(double[][] logits, int[] labels) {
        validate(logits, labels);
        return meanNll(logits, labels, temperature);
    }

    private static double meanNll(double[][] logits, int[] labels, double t) {
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            double[] row = logits[i];
            double max = Double.NEGATIVE_INFINITY;
            for (double z : row) {
                max = Math.max(max, z);
            }
            double sum = 0;
            for (double z : row) {
                sum += Math.exp((z - max) / t);
            }
            // −log softmax(z/T)_y = log Σ exp((z − max)/T) − (z_y − max)/T
            total += Math.log(sum) - (row[labels[i]] - max) / t;
        }
        return total / logits.length;
    }

    private static void validate(double[][] logits, int[] labels) {
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(labels, "labels");
        if (logits.length == 0) {
            throw new IllegalArgumentException("Temperature scaling needs at least one example, logits is empty");
        }
        if (labels.length != logits.length) {
            throw new IllegalArgumentException("logits has " + logits.length + " rows but labels has "
                    + labels.length + " entries");
        }
        if (logits[0] == null || logits[0].length < 2) {
            throw new IllegalArgumentException("logits[0] must have at least two classes");
        }
        int k = logits[0].length;
        for (int i = 0; i < logits.length; i++) {
            double[] row = logits[i];
            if (row == null || row.length != k) {
                throw new IllegalArgumentException("logits[" + i + "] has " + (row == null ? "no" : row.length)
                        + " entries, expected " + k + " like logits[0]");
            }
            for (int c = 0; c < k; c++) {
                if (!Double.isFinite(row[c])) {
                    throw new IllegalArgumentException("logits[" + i + "][" + c + "] = " + row[c]
                            + " is not finite");
                }
            }
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("labels[" + i + "] = " + labels[i] + " is outside [0, " + k + ")");
            }
        }
    }

    private static double checkTemperature(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("Temperature must be finite and positive, got " + temperature);
        }
        return temperature;
    }

    /**
     * Rejects a serialized temperature that is not finite and positive.
     *
     * @param in the stream.
     * @throws IOException            if the stream fails or the temperature is invalid.
     * @throws ClassNotFoundException if a class is missing.
     */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new InvalidObjectException("Invalid serialized temperature " + temperature);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TemperatureScaling other && Double.compare(temperature, other.temperature) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(temperature);
    }

    @Override
    public String toString() {
        return "TemperatureScaling(T=" + temperature + ")";
    }
}
