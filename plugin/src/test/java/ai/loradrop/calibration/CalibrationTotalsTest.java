/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Totals of disjoint parts merge into the report of the whole: the hand-worked example of
 * {@link CalibrationMetricsTest} split in two, and random weighted data split in four parts.
 */
class CalibrationTotalsTest {

    @Test
    void mergedPartsGiveTheHandWorkedReport() {
        CalibrationTotals a = new CalibrationTotals(5);
        CalibrationTotals b = new CalibrationTotals(5);
        for (int i = 0; i < CalibrationMetricsTest.PROBS.length; i++) {
            (i % 2 == 0 ? a : b).add(CalibrationMetricsTest.PROBS[i], CalibrationMetricsTest.LABELS[i], 1.0);
        }
        CalibrationReport r = b.merge(a).report();
        assertEquals(0.32, r.ece(), 1e-12);
        assertEquals(0.55, r.mce(), 1e-12);
        assertEquals(0.368, r.brier(), 1e-12);
        assertEquals(0.59755282, r.nll(), 1e-8);
        assertEquals(0.6, r.accuracy(), 1e-12);
        assertEquals(5, r.examples());
        assertEquals(2, r.reliability().bin(2).count());
    }

    @Test
    void mergedRandomPartsEqualOnePass() {
        SplittableRandom rnd = new SplittableRandom(4);
        int n = 500;
        int k = 4;
        double[][] probs = new double[n][k];
        int[] labels = new int[n];
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int c = 0; c < k; c++) {
                probs[i][c] = Math.pow(rnd.nextDouble(), 3);
                sum += probs[i][c];
            }
            for (int c = 0; c < k; c++) {
                probs[i][c] /= sum;
            }
            labels[i] = rnd.nextInt(k);
            weights[i] = 0.5 + rnd.nextDouble();
        }
        CalibrationReport whole = CalibrationMetrics.compute(probs, labels, weights, 15);
        CalibrationTotals[] parts = new CalibrationTotals[4];
        for (int p = 0; p < parts.length; p++) {
            parts[p] = new CalibrationTotals(15);
        }
        for (int i = 0; i < n; i++) {
            parts[rnd.nextInt(parts.length)].add(probs[i], labels[i], weights[i]);
        }
        CalibrationTotals merged = new CalibrationTotals(15);
        for (CalibrationTotals p : parts) {
            merged.merge(p);
        }
        CalibrationReport r = merged.report();
        assertEquals(whole.examples(), r.examples());
        assertEquals(whole.ece(), r.ece(), 1e-12);
        assertEquals(whole.mce(), r.mce(), 1e-12);
        assertEquals(whole.brier(), r.brier(), 1e-12);
        assertEquals(whole.nll(), r.nll(), 1e-12);
        assertEquals(whole.accuracy(), r.accuracy(), 1e-12);
        for (int b = 0; b < 15; b++) {
            assertEquals(whole.reliability().bin(b).count(), r.reliability().bin(b).count());
            assertEquals(whole.reliability().bin(b).weight(), r.reliability().bin(b).weight(), 1e-9);
        }
    }

    @Test
    void rowsAreCheckedAsInOnePass() {
        CalibrationTotals t = new CalibrationTotals(10);
        t.add(new double[]{0.5, 0.5}, 1, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.add(new double[]{2.0, -1.0}, 0, 1.0));
        assertTrue(e.getMessage().contains("probs[1][0]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.add(new double[]{0.2, 0.3, 0.5}, 0, 1.0));
        assertTrue(e.getMessage().contains("expected 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.merge(new CalibrationTotals(5)));
        assertThrows(IllegalArgumentException.class, () -> new CalibrationTotals(10).report());
    }
}
