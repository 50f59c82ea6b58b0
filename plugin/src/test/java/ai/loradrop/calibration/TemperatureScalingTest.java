/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemperatureScalingTest {

    /** Labels drawn from softmax(trueLogits), then logits sharpened by 3 to make the model over-confident. */
    private static final int N = 4000;
    private static final int K = 4;
    private static final double[][] TRUE_LOGITS = new double[N][K];
    private static final double[][] OVERCONFIDENT = new double[N][K];
    private static final int[] LABELS = new int[N];

    static {
        Random rng = new Random(42);
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < K; c++) {
                TRUE_LOGITS[i][c] = 1.5 * rng.nextGaussian();
                OVERCONFIDENT[i][c] = 3 * TRUE_LOGITS[i][c];
            }
            double[] p = TemperatureScaling.identity().apply(TRUE_LOGITS[i]);
            double u = rng.nextDouble();
            int y = 0;
            for (double cum = p[0]; u > cum && y < K - 1; cum += p[++y]) {
                // walk the CDF
            }
            LABELS[i] = y;
        }
    }

    @Test
    void recoversTheOverconfidenceFactor() {
        TemperatureScaling ts = TemperatureScaling.fit(OVERCONFIDENT, LABELS);
        assertEquals(3.0, ts.temperature(), 0.15, "fitted " + ts);

        TemperatureScaling none = TemperatureScaling.identity();
        double nllBefore = none.negativeLogLikelihood(OVERCONFIDENT, LABELS);
        double nllAfter = ts.negativeLogLikelihood(OVERCONFIDENT, LABELS);
        assertTrue(nllAfter < nllBefore - 0.1, nllBefore + " -> " + nllAfter);

        CalibrationReport before = CalibrationMetrics.compute(none.apply(OVERCONFIDENT), LABELS);
        CalibrationReport after = CalibrationMetrics.compute(ts.apply(OVERCONFIDENT), LABELS);
        assertEquals(before.accuracy(), after.accuracy(), 0);
        assertTrue(after.ece() < before.ece() / 2, before.ece() + " -> " + after.ece());
        // The report's floored NLL agrees with the log-sum-exp NLL when nothing is near the floor.
        assertEquals(nllAfter, after.nll(), 1e-9);
        // Fitting is a minimisation: nearby temperatures are no better.
        assertTrue(TemperatureScaling.of(ts.temperature() * 1.01).negativeLogLikelihood(OVERCONFIDENT, LABELS) >= nllAfter);
        assertTrue(TemperatureScaling.of(ts.temperature() * 0.99).negativeLogLikelihood(OVERCONFIDENT, LABELS) >= nllAfter);
    }

    @Test
    void logProbabilitiesGiveTheSameTemperatureAsLogits() {
        double[][] logProbs = new double[N][];
        for (int i = 0; i < N; i++) {
            double[] p = TemperatureScaling.identity().apply(OVERCONFIDENT[i]);
            logProbs[i] = new double[K];
            for (int c = 0; c < K; c++) {
                logProbs[i][c] = Math.log(p[c]);
            }
        }
        double fromLogits = TemperatureScaling.fit(OVERCONFIDENT, LABELS).temperature();
        double fromLogProbs = TemperatureScaling.fit(logProbs, LABELS).temperature();
        assertEquals(fromLogits, fromLogProbs, fromLogits * 1e-5);
    }

    @Test
    void applyIsSoftmaxOfScaledLogits() {
        // softmax([2, 0] / 2) = softmax([1, 0]) = [e/(e+1), 1/(e+1)] = [0.7310586, 0.2689414]
        double[] p = TemperatureScaling.of(2).apply(new double[]{2, 0});
        assertArrayEquals(new double[]{Math.E / (Math.E + 1), 1 / (Math.E + 1)}, p, 1e-15);
        assertEquals(0.7310585786300049, p[0], 1e-15);
        // Huge logits do not overflow.
        double[] q = TemperatureScaling.identity().apply(new double[]{1000, 999});
        assertEquals(1 / (1 + Math.exp(-1)), q[0], 1e-12);
    }

    @Test
    void serializationKeepsTheTemperature() throws Exception {
        TemperatureScaling ts = TemperatureScaling.of(2.5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(ts);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(ts, in.readObject());
        }
    }

    @Test
    void invalidInputsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.of(0));
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.of(Double.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TemperatureScaling.fit(new double[][]{{0, 1}, {Double.NEGATIVE_INFINITY, 0}}, new int[]{0, 1}));
        assertTrue(e.getMessage().contains("logits[1][0]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TemperatureScaling.fit(new double[][]{{0, 1}}, new int[]{5}));
        assertTrue(e.getMessage().contains("labels[0] = 5"), e.getMessage());
    }
}
