/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationMetricsTest {

    /*
     * Hand-worked example, k = 3 classes, M = 5 bins: (0,.2] (.2,.4] (.4,.6] (.6,.8] (.8,1].
     *
     *  i  probs            y  pred  conf  correct  bin   Σ(p−y)²                    −ln p_y
     *  0  [.7, .2, .1]     0  0     .7    yes      3     .09+.04+.01 = .14          .356675
     *  1  [.3, .6, .1]     0  1     .6    no       2     .49+.36+.01 = .86          1.203973
     *  2  [.1, .1, .8]     2  2     .8    yes      3     .01+.01+.04 = .06          .223144
     *  3  [.2, .5, .3]     2  1     .5    no       2     .04+.25+.49 = .78          1.203973
     *  4  [1, 0, 0]        0  0     1     yes      4     0                          0
     *
     * Note conf .6 sits on the upper edge of bin 2 and conf 1 on the upper edge of bin 4.
     * bin 2: n=2, conf (.6+.5)/2 = .55, acc 0, |gap| .55
     * bin 3: n=2, conf (.7+.8)/2 = .75, acc 1, |gap| .25
     * bin 4: n=1, conf 1, acc 1, |gap| 0
     * ECE = 2/5·.55 + 2/5·.25 + 1/5·0 = .22 + .10 = .32;  MCE = .55
     * Brier = (.14+.86+.06+.78+0)/5 = 1.84/5 = .368
     * NLL = (.35667494 + 2·1.20397280 + .22314355)/5 = 2.98776410/5 = .59755282
     * accuracy = 3/5 = .6
     */
    static final double[][] PROBS = {
            {0.7, 0.2, 0.1},
            {0.3, 0.6, 0.1},
            {0.1, 0.1, 0.8},
            {0.2, 0.5, 0.3},
            {1.0, 0.0, 0.0}};
    static final int[] LABELS = {0, 0, 2, 2, 0};

    @Test
    void handComputedExample() {
        CalibrationReport r = CalibrationMetrics.compute(PROBS, LABELS, 5);
        assertEquals(0.32, r.ece(), 1e-12);
        assertEquals(0.55, r.mce(), 1e-12);
        assertEquals(0.368, r.brier(), 1e-12);
        assertEquals(2.98776410391 / 5, r.nll(), 1e-10);
        assertEquals(0.6, r.accuracy(), 1e-12);
        assertEquals(5, r.examples());

        ReliabilityTable t = r.reliability();
        assertEquals(5, t.numBins());
        assertEquals(5, t.totalCount());
        int[] counts = {0, 0, 2, 2, 1};
        for (int b = 0; b < 5; b++) {
            assertEquals(counts[b], t.bin(b).count(), "count of bin " + b);
            assertEquals(b / 5.0, t.bin(b).lower(), 1e-15);
            assertEquals((b + 1) / 5.0, t.bin(b).upper(), 1e-15);
        }
        assertTrue(t.bin(0).isEmpty());
        assertTrue(Double.isNaN(t.bin(0).meanConfidence()));
        assertEquals(0.55, t.bin(2).meanConfidence(), 1e-12);
        assertEquals(0.0, t.bin(2).accuracy(), 0);
        assertEquals(-0.55, t.bin(2).gap(), 1e-12);
        assertEquals(0.75, t.bin(3).meanConfidence(), 1e-12);
        assertEquals(0.25, t.bin(3).gap(), 1e-12);
        assertEquals(1.0, t.bin(4).meanConfidence(), 0);
        assertEquals(1.0, t.bin(4).accuracy(), 0);
    }

    @Test
    void weightsChangeTheAveragesAndZeroWeightBinsAreEmpty() {
        // Same data, example 4 (the only one in bin 4) weighted 0: total weight 4.
        // ECE = 2/4·.55 + 2/4·.25 = .40; accuracy = 2/4; Brier = 1.84/4 = .46; bin 4 has count 1 but is empty.
        double[] weights = {1, 1, 1, 1, 0};
        CalibrationReport r = CalibrationMetrics.compute(PROBS, LABELS, weights, 5);
        assertEquals(0.40, r.ece(), 1e-12);
        assertEquals(0.55, r.mce(), 1e-12);
        assertEquals(0.5, r.accuracy(), 1e-12);
        assertEquals(0.46, r.brier(), 1e-12);
        assertEquals(1, r.reliability().bin(4).count());
        assertTrue(r.reliability().bin(4).isEmpty());

        // Example 0 weighted 3: bin 3 conf = (3·.7+.8)/4 = .725, acc 1, gap .275; total weight 7.
        // ECE = 4/7·.275 + 2/7·.55 = (1.1 + 1.1)/7
        CalibrationReport r3 = CalibrationMetrics.compute(PROBS, LABELS, new double[]{3, 1, 1, 1, 1}, 5);
        assertEquals(2.2 / 7, r3.ece(), 1e-12);
        assertEquals(0.725, r3.reliability().bin(3).meanConfidence(), 1e-12);
    }

    @Test
    void perfectCalibrationHasZeroEce() {
        // 10 examples at confidence .7 with 7 correct, 4 at .75 with 3 correct, 2 at .5 with 1 correct.
        double[][] probs = new double[16][];
        int[] labels = new int[16];
        for (int i = 0; i < 10; i++) {
            probs[i] = new double[]{0.7, 0.3};
            labels[i] = i < 7 ? 0 : 1;
        }
        for (int i = 10; i < 14; i++) {
            probs[i] = new double[]{0.25, 0.75};
            labels[i] = i < 13 ? 1 : 0;
        }
        probs[14] = new double[]{0.5, 0.5};
        labels[14] = 0;
        probs[15] = new double[]{0.5, 0.5};
        labels[15] = 1;
        CalibrationReport r = CalibrationMetrics.compute(probs, labels);
        assertEquals(0.0, r.ece(), 1e-12);
        assertEquals(0.0, r.mce(), 1e-12);
        assertEquals(15, r.numBins());
    }

    @Test
    void zeroProbabilityOnTheTruthIsFloored() {
        CalibrationReport r = CalibrationMetrics.compute(new double[][]{{1.0, 0.0}}, new int[]{1});
        assertEquals(-Math.log(CalibrationMetrics.PROBABILITY_FLOOR), r.nll(), 1e-9);
        assertEquals(27.631021115928547, r.nll(), 1e-9);
        assertEquals(2.0, r.brier(), 0);
        assertEquals(1.0, r.ece(), 0);
        assertEquals(0.0, r.accuracy(), 0);
    }

    @Test
    void binEdgesFollowTheHalfOpenConvention() {
        assertEquals(0, CalibrationMetrics.binIndex(0.0, 15));
        assertEquals(14, CalibrationMetrics.binIndex(1.0, 15));
        assertEquals(6, CalibrationMetrics.binIndex(0.7, 10)); // 0.7·10 rounds to 7.000000000000001
        for (int m = 1; m <= 50; m++) {
            for (int b = 1; b <= m; b++) {
                double edge = b / (double) m;
                assertEquals(b - 1, CalibrationMetrics.binIndex(edge, m), "edge " + b + "/" + m);
                if (b < m) {
                    assertEquals(b, CalibrationMetrics.binIndex(Math.nextUp(edge), m), "just above " + b + "/" + m);
                }
            }
        }
    }

    @Test
    void tiesGoToTheLowestClass() {
        // [.5,.5] predicts class 0: correct for label 0, wrong for label 1.
        assertEquals(1.0, CalibrationMetrics.compute(new double[][]{{0.5, 0.5}}, new int[]{0}).accuracy());
        assertEquals(0.0, CalibrationMetrics.compute(new double[][]{{0.5, 0.5}}, new int[]{1}).accuracy());
    }

    @Test
    void mapAndJsonCarryTheMetricsAndBins() {
        CalibrationReport r = CalibrationMetrics.compute(PROBS, LABELS, 5);
        Map<String, Object> map = r.toMap();
        assertEquals(List.of("ece", "mce", "brier", "nll", "accuracy", "examples", "bins"),
                List.copyOf(map.keySet()));
        assertEquals(0.32, (Double) map.get("ece"), 1e-12);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> bins = (List<Map<String, Object>>) map.get("bins");
        assertEquals(5, bins.size());
        assertNull(bins.get(0).get("meanConfidence"));
        assertEquals(2, bins.get(2).get("count"));
        String json = r.toJson();
        assertTrue(json.startsWith("{\"ece\":0.32"), json);
        assertTrue(json.contains("\"meanConfidence\":null"), json);
        assertTrue(!json.contains("NaN"), json);
        String text = r.toString();
        assertTrue(text.contains("ECE 0.3200"), text);
        assertTrue(text.contains("(0.400, 0.600]"), text);
    }

    @Test
    void reportSurvivesJavaSerialization() throws Exception {
        CalibrationReport r = CalibrationMetrics.compute(PROBS, LABELS, 5);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(r);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(r, in.readObject());
        }
    }

    @Test
    void invalidInputsAreRejectedWithTheirIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationMetrics.compute(new double[][]{{0.5, 0.5}, {2.0, -1.0}}, new int[]{0, 1}));
        assertTrue(e.getMessage().contains("probs[1][0]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationMetrics.compute(new double[][]{{0.5, 0.5}, {0.6, 0.6}}, new int[]{0, 1}));
        assertTrue(e.getMessage().contains("probs[1] sums to"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationMetrics.compute(new double[][]{{0.5, 0.5}}, new int[]{2}));
        assertTrue(e.getMessage().contains("labels[0] = 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationMetrics.compute(new double[][]{{0.5, 0.5}}, new int[]{0}, new double[]{-1}, 15));
        assertTrue(e.getMessage().contains("weights[0]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CalibrationMetrics.compute(new double[0][], new int[0]));
        assertThrows(IllegalArgumentException.class,
                () -> CalibrationMetrics.compute(PROBS, LABELS, 0));
    }
}
