/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.junit.jupiter.api.Test;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;
import org.tribuo.multilabel.MultiLabel;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-label calibration metrics and temperatures against values worked out by hand.
 */
class MultiLabelCalibrationTest {

    private static final double[][] PROBS = {{0.9, 0.2}, {0.6, 0.7}, {0.1, 0.4}};
    private static final boolean[][] TARGETS = {{true, false}, {false, true}, {false, false}};

    @Test
    void pooledAndPerLabelMetricsMatchHandComputedValues() {
        MultiLabelCalibrationReport r = MultiLabelCalibration.compute(PROBS, TARGETS, null, List.of("a", "b"), 2, 0.5);
        // Pooled pairs: bin (0, 0.5] holds 0.2, 0.1, 0.4 (no positive): gap 0.7/3; bin (0.5, 1] holds 0.9, 0.6, 0.7
        // (two positives): gap |2/3 - 2.2/3| = 0.2/3. ECE = (0.7/3 + 0.2/3) / 2 = 0.15.
        assertEquals(0.15, r.ece(), 1e-12);
        assertEquals(0.7 / 3, r.pooled().mce(), 1e-12);
        assertEquals(0.67 / 6, r.brier(), 1e-12);
        double bce = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.7) + Math.log(0.9) + Math.log(0.6)) / 6;
        assertEquals(bce, r.pooled().nll(), 1e-12);
        assertEquals(5.0 / 6, r.pooled().accuracy(), 1e-12);
        assertEquals(6, r.pooled().examples());
        assertEquals(3, r.examples());
        ReliabilityTable.Bin high = r.pooled().reliability().bin(1);
        assertEquals(2.2 / 3, high.meanConfidence(), 1e-12);
        assertEquals(2.0 / 3, high.accuracy(), 1e-12);
        assertEquals(3, high.count());

        // Label a: bins {0.1} gap 0.1 and {0.9, 0.6} gap |0.5 - 0.75|: ECE = 0.1/3 + 2/3 * 0.25 = 0.2.
        assertEquals(0.2, r.label("a").ece(), 1e-12);
        assertEquals(0.38 / 3, r.label("a").brier(), 1e-12);
        // Label b: bins {0.2, 0.4} gap 0.3 and {0.7} gap 0.3.
        assertEquals(0.3, r.label("b").ece(), 1e-12);
        assertEquals(0.29 / 3, r.label("b").brier(), 1e-12);
        assertEquals(0.25, r.meanLabelEce(), 1e-12);
        // The pooled Brier score is the mean of the per-label ones.
        assertEquals((r.label("a").brier() + r.label("b").brier()) / 2, r.brier(), 1e-12);

        Map<String, Object> map = r.toMap();
        assertEquals(0.15, (double) map.get("ece"), 1e-12);
        assertEquals(0.67 / 6, (double) map.get("brier"), 1e-12);
        assertEquals(Set.of("a", "b"), ((Map<?, ?>) map.get("per_label")).keySet());
        assertThrows(IllegalArgumentException.class, () -> r.label("c"));
    }

    @Test
    void aWeightOfTwoCountsAsTheRowTwice() {
        MultiLabelCalibrationReport weighted = MultiLabelCalibration.compute(PROBS, TARGETS, new double[]{2, 1, 1}, null,
                4, 0.5);
        double[][] probs = {PROBS[0], PROBS[0], PROBS[1], PROBS[2]};
        boolean[][] targets = {TARGETS[0], TARGETS[0], TARGETS[1], TARGETS[2]};
        MultiLabelCalibrationReport repeated = MultiLabelCalibration.compute(probs, targets, null, null, 4, 0.5);
        assertEquals(repeated.ece(), weighted.ece(), 1e-12);
        assertEquals(repeated.brier(), weighted.brier(), 1e-12);
        assertEquals(repeated.pooled().nll(), weighted.pooled().nll(), 1e-12);
        assertEquals(repeated.label("1").ece(), weighted.label("1").ece(), 1e-12);
    }

    @Test
    void badInputsAreRejectedWithTheirPosition() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MultiLabelCalibration.compute(
                new double[][]{{0.5, 2.0}}, new boolean[][]{{true, false}})).getMessage().contains("probs[0][1] = 2.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MultiLabelCalibration.compute(
                new double[][]{{0.5, 0.5}, {0.5}}, new boolean[][]{{true, false}, {true}})).getMessage().contains("probs[1]"));
        assertThrows(IllegalArgumentException.class, () -> MultiLabelCalibration.compute(PROBS, TARGETS, null, null, 15, 1.0));
        assertThrows(IllegalArgumentException.class, () -> MultiLabelCalibration.compute(PROBS, TARGETS, new double[]{0, 0, 0},
                null, 15, 0.5));
    }

    @Test
    void tribuoPredictionsBecomeArrays() {
        ArrayExample<MultiLabel> e1 = new ArrayExample<>(new MultiLabel(Set.of(new Label("a"))), 2f);
        ArrayExample<MultiLabel> e2 = new ArrayExample<>(new MultiLabel(new HashSet<>()), 1f);
        Prediction<MultiLabel> p1 = new Prediction<>(new MultiLabel(Set.of(new Label("a", 0.9))),
                scores(0.9, 0.2), 1, e1, true);
        Prediction<MultiLabel> p2 = new Prediction<>(new MultiLabel(new HashSet<>()), scores(0.1, 0.4), 1, e2, true);
        MultiLabelCalibration.PredictionArrays arrays = MultiLabelCalibration.fromPredictions(List.of(p1, p2));
        assertEquals(List.of("a", "b"), arrays.labels());
        assertArrayEquals(new double[]{0.9, 0.2}, arrays.probs()[0], 1e-12);
        assertArrayEquals(new double[]{0.1, 0.4}, arrays.probs()[1], 1e-12);
        assertTrue(arrays.targets()[0][0]);
        assertFalse(arrays.targets()[0][1]);
        assertFalse(arrays.targets()[1][0]);
        assertArrayEquals(new double[]{2, 1}, arrays.weights());
        assertEquals(MultiLabelCalibration.compute(arrays.probs(), arrays.targets(), arrays.weights(), arrays.labels(), 15, 0.5)
                .ece(), arrays.report(15, 0.5).ece());
    }

    private static Map<String, MultiLabel> scores(double a, double b) {
        Map<String, MultiLabel> m = new LinkedHashMap<>();
        m.put("a", new MultiLabel(Set.of(new Label("a", a)), a));
        // Tribuo's linear models leave the MultiLabel's own score NaN and score the Label inside it.
        m.put("b", new MultiLabel(new Label("b", b)));
        return m;
    }

    @Test
    void perLabelTemperaturesHitTheirClosedForms() {
        // Label 0: logits ±2 with 3 of 4 on the right side, so the optimum has σ(2/T) = 3/4: T = 2 / ln 3.
        // Label 1: logits ±3, 3 of 4 right: T = 3 / ln 3.
        double[][] logits = {{2, 3}, {2, -3}, {2, 3}, {-2, 3}};
        boolean[][] targets = {{true, true}, {true, false}, {false, true}, {false, false}};
        MultiLabelTemperatureScaling per = MultiLabelTemperatureScaling.fitPerLabel(logits, targets);
        assertFalse(per.isShared());
        assertEquals(2 / Math.log(3), per.temperature(0), 1e-5);
        assertEquals(3 / Math.log(3), per.temperature(1), 1e-5);
        double[][] p = per.apply(logits);
        assertEquals(0.75, p[0][0], 1e-6);
        assertEquals(0.25, p[3][0], 1e-6);
        assertEquals(0.75, p[0][1], 1e-6);

        // The shared temperature minimises the pooled BCE: it lies between the two and beats its neighbours.
        MultiLabelTemperatureScaling shared = MultiLabelTemperatureScaling.fitShared(logits, targets);
        double t = shared.temperature(0);
        assertTrue(t > per.temperature(0) && t < per.temperature(1), "T = " + t);
        double best = shared.binaryCrossEntropy(logits, targets);
        assertTrue(best < MultiLabelTemperatureScaling.shared(t * 1.01).binaryCrossEntropy(logits, targets));
        assertTrue(best < MultiLabelTemperatureScaling.shared(t / 1.01).binaryCrossEntropy(logits, targets));
        assertTrue(best < MultiLabelTemperatureScaling.shared(1.0).binaryCrossEntropy(logits, targets));
        // Per-label temperatures can only fit better than one shared temperature.
        assertTrue(per.binaryCrossEntropy(logits, targets) < best);
        assertEquals(t, shared.temperature(1));
    }

    @Test
    void temperaturesKeepTheirDecisionsAndRejectBadValues() {
        double[][] logits = {{1.5, -0.2}, {-3, 0.1}};
        double[][] p = MultiLabelTemperatureScaling.perLabel(new double[]{2.5, 0.3}).apply(logits);
        assertEquals(1 / (1 + Math.exp(-1.5 / 2.5)), p[0][0], 1e-12);
        assertEquals(1 / (1 + Math.exp(0.2 / 0.3)), p[0][1], 1e-12);
        assertTrue(p[1][0] < 0.5 && p[1][1] > 0.5);
        assertThrows(IllegalArgumentException.class, () -> MultiLabelTemperatureScaling.shared(0));
        assertThrows(IllegalArgumentException.class, () -> MultiLabelTemperatureScaling.perLabel(new double[]{1, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> MultiLabelTemperatureScaling.perLabel(new double[]{1}).apply(logits));
        // Sigmoid and the BCE stay finite far out.
        assertEquals(1.0, MultiLabelTemperatureScaling.sigmoid(800), 0);
        assertEquals(800, MultiLabelTemperatureScaling.bce(800, false), 1e-9);
        assertEquals(0, MultiLabelTemperatureScaling.bce(800, true), 1e-12);
    }

    @Test
    void diagramsNameTheirAxes() {
        MultiLabelCalibrationReport r = MultiLabelCalibration.compute(PROBS, TARGETS);
        ReliabilityDiagram d = ReliabilityDiagram.of("tags", "model", r.pooled()).withAxes(ReliabilityDiagram.Axes.PROBABILITY);
        String svg = d.toSvg();
        assertTrue(svg.contains("observed frequency") && svg.contains("predicted probability"), svg);
        assertTrue(svg.contains("gap: observed frequency vs predicted probability"));
        String plain = ReliabilityDiagram.of("classes", "model", r.pooled()).toSvg();
        assertTrue(plain.contains(">accuracy<") && plain.contains(">confidence<"));
        assertEquals(ReliabilityDiagram.Axes.PROBABILITY, d.withSize(400, 400).axes());
    }
}
