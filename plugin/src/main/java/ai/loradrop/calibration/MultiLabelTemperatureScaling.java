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
import java.util.Locale;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Temperature scaling of multi-label logits: {@code p_il = σ(z_il / T_l)}, with one temperature shared by every
 * label ({@link #fitShared}) or one per label ({@link #fitPerLabel}), fitted to minimise the binary cross-entropy
 * of held-out data. A positive temperature keeps the sign of every logit, so the decisions at threshold 0.5 are
 * unchanged by construction (other thresholds move).
 * <p>
 * The cross-entropy {@code −log σ(±z/T)} is convex in {@code 1/T} (the log-sigmoid is concave in its argument),
 * so it is unimodal in {@code log T} and the golden-section search of {@link TemperatureScaling} finds the optimum
 * in the same range [{@value TemperatureScaling#MIN_TEMPERATURE}, {@value TemperatureScaling#MAX_TEMPERATURE}] and
 * to the same tolerance. A label whose held-out logits separate its classes perfectly drives its temperature to the
 * lower edge (a warning is logged). Immutable and serializable.
 */
public final class MultiLabelTemperatureScaling implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger logger = Logger.getLogger(MultiLabelTemperatureScaling.class.getName());

    /** One temperature per label, or a single one shared by all labels. */
    private final double[] temperatures;
    private final boolean shared;

    private MultiLabelTemperatureScaling(double[] temperatures, boolean shared) {
        for (double t : temperatures) {
            if (!(t > 0) || Double.isInfinite(t)) {
                throw new IllegalArgumentException("Temperatures must be finite and positive, got " + Arrays.toString(temperatures));
            }
        }
        this.temperatures = temperatures.clone();
        this.shared = shared;
    }

    /**
     * A scaling with one known temperature for every label.
     *
     * @param temperature the temperature, finite and positive.
     * @return the scaling.
     */
    public static MultiLabelTemperatureScaling shared(double temperature) {
        return new MultiLabelTemperatureScaling(new double[]{temperature}, true);
    }

    /**
     * A scaling with known per-label temperatures.
     *
     * @param temperatures one temperature per label, finite and positive.
     * @return the scaling.
     */
    public static MultiLabelTemperatureScaling perLabel(double[] temperatures) {
        Objects.requireNonNull(temperatures, "temperatures");
        if (temperatures.length == 0) {
            throw new IllegalArgumentException("Need at least one temperature");
        }
        return new MultiLabelTemperatureScaling(temperatures, false);
    }

    /**
     * Fits one temperature for all labels, minimising the mean binary cross-entropy over all (example, label) pairs.
     *
     * @param logits  the {@code n × L} logits of the held-out examples, finite.
     * @param targets the {@code n × L} truth.
     * @return the fitted scaling.
     */
    public static MultiLabelTemperatureScaling fitShared(double[][] logits, boolean[][] targets) {
        int numLabels = validate(logits, targets);
        int[] all = new int[numLabels];
        for (int l = 0; l < numLabels; l++) {
            all[l] = l;
        }
        double t = TemperatureScaling.searchTemperature(temperature -> meanBce(logits, targets, all, temperature));
        if (logger.isLoggable(Level.INFO)) {
            logger.info(String.format(Locale.ROOT, "Shared multi-label temperature on %d examples x %d labels: T = %.4f, "
                    + "BCE %.5f -> %.5f", logits.length, numLabels, t, meanBce(logits, targets, all, 1.0),
                    meanBce(logits, targets, all, t)));
        }
        return new MultiLabelTemperatureScaling(new double[]{t}, true);
    }

    /**
     * Fits a temperature per label, each minimising that label's mean binary cross-entropy.
     *
     * @param logits  the {@code n × L} logits of the held-out examples, finite.
     * @param targets the {@code n × L} truth.
     * @return the fitted scaling.
     */
    public static MultiLabelTemperatureScaling fitPerLabel(double[][] logits, boolean[][] targets) {
        int numLabels = validate(logits, targets);
        double[] ts = new double[numLabels];
        for (int l = 0; l < numLabels; l++) {
            int[] one = {l};
            ts[l] = TemperatureScaling.searchTemperature(temperature -> meanBce(logits, targets, one, temperature));
        }
        logger.info(() -> "Per-label multi-label temperatures on " + logits.length + " examples: " + Arrays.toString(ts));
        return new MultiLabelTemperatureScaling(ts, false);
    }

    /**
     * Whether one temperature serves every label.
     *
     * @return true for a shared temperature.
     */
    public boolean isShared() {
        return shared;
    }

    /**
     * The temperature of a label.
     *
     * @param label the label's column.
     * @return {@code T_label}.
     */
    public double temperature(int label) {
        if (shared) {
            return temperatures[0];
        }
        if (label < 0 || label >= temperatures.length) {
            throw new IllegalArgumentException("Label " + label + " is outside [0, " + temperatures.length + ")");
        }
        return temperatures[label];
    }

    /**
     * The temperatures: one element when shared, else one per label.
     *
     * @return a copy of the temperatures.
     */
    public double[] temperatures() {
        return temperatures.clone();
    }

    /**
     * The calibrated probabilities {@code σ(z_il / T_l)}.
     *
     * @param logits the {@code n × L} logits, finite (L must match the per-label temperatures).
     * @return a new {@code n × L} probability matrix.
     */
    public double[][] apply(double[][] logits) {
        Objects.requireNonNull(logits, "logits");
        double[][] probs = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            double[] row = logits[i];
            if (row == null || (!shared && row.length != temperatures.length)) {
                throw new IllegalArgumentException("logits[" + i + "] has " + (row == null ? "no" : row.length)
                        + " entries, expected " + temperatures.length);
            }
            probs[i] = new double[row.length];
            for (int l = 0; l < row.length; l++) {
                if (!Double.isFinite(row[l])) {
                    throw new IllegalArgumentException("logits[" + i + "][" + l + "] = " + row[l] + " is not finite");
                }
                probs[i][l] = sigmoid(row[l] / temperature(l));
            }
        }
        return probs;
    }

    /**
     * The mean binary cross-entropy over all pairs at these temperatures.
     *
     * @param logits  the {@code n × L} logits, finite.
     * @param targets the {@code n × L} truth.
     * @return the mean BCE in nats.
     */
    public double binaryCrossEntropy(double[][] logits, boolean[][] targets) {
        int numLabels = validate(logits, targets);
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            for (int l = 0; l < numLabels; l++) {
                total += bce(logits[i][l] / temperature(l), targets[i][l]);
            }
        }
        return total / ((double) logits.length * numLabels);
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }

    /** {@code −log σ(x)} for a positive, {@code −log σ(−x)} for a negative, as a stable softplus. */
    static double bce(double x, boolean positive) {
        double a = positive ? -x : x;
        return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
    }

    private static double meanBce(double[][] logits, boolean[][] targets, int[] labels, double t) {
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            for (int l : labels) {
                total += bce(logits[i][l] / t, targets[i][l]);
            }
        }
        return total / ((double) logits.length * labels.length);
    }

    private static int validate(double[][] logits, boolean[][] targets) {
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(targets, "targets");
        if (logits.length == 0) {
            throw new IllegalArgumentException("Temperature scaling needs at least one example, logits is empty");
        }
        if (targets.length != logits.length) {
            throw new IllegalArgumentException("logits has " + logits.length + " rows but targets has " + targets.length);
        }
        if (logits[0] == null || logits[0].length == 0) {
            throw new IllegalArgumentException("logits[0] is null or empty, need at least one label");
        }
        int numLabels = logits[0].length;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == null || logits[i].length != numLabels || targets[i] == null || targets[i].length != numLabels) {
                throw new IllegalArgumentException("Row " + i + " of logits or targets does not have " + numLabels
                        + " entries like logits[0]");
            }
            for (int l = 0; l < numLabels; l++) {
                if (!Double.isFinite(logits[i][l])) {
                    throw new IllegalArgumentException("logits[" + i + "][" + l + "] = " + logits[i][l] + " is not finite");
                }
            }
        }
        return numLabels;
    }

    /**
     * Rejects serialized temperatures that are not finite and positive.
     *
     * @param in the stream.
     * @throws IOException            if the stream fails or a temperature is invalid.
     * @throws ClassNotFoundException if a class is missing.
     */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (temperatures == null || temperatures.length == 0 || (shared && temperatures.length != 1)) {
            throw new InvalidObjectException("Invalid serialized temperatures");
        }
        for (double t : temperatures) {
            if (!(t > 0) || Double.isInfinite(t)) {
                throw new InvalidObjectException("Invalid serialized temperature " + t);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiLabelTemperatureScaling other && shared == other.shared
                && Arrays.equals(temperatures, other.temperatures);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(temperatures) + Boolean.hashCode(shared);
    }

    @Override
    public String toString() {
        return "MultiLabelTemperatureScaling(" + (shared ? "T=" + temperatures[0] : "T=" + Arrays.toString(temperatures)) + ")";
    }
}
