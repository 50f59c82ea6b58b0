/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.HeadLoss;
import ai.loradrop.optim.AdamWConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training step and the prediction program with float {@code [rows, outputs]} targets, on the tiny PEFT fixture
 * encoder: the step's loss is the head's loss of the prediction program's outputs (sigmoids, or the values
 * themselves) against the fed targets with the fed example weights, and the step's gradient of every kind of
 * parameter (LoRA A and B of the first target, head weight and bias) equals central finite differences of that loss.
 */
class FloatTargetProgramsTest {
    private static final float[] WEIGHTS = {2f, 0f, 1f, 0.5f};
    private static final int OUTPUTS = 3;

    @ParameterizedTest
    @EnumSource(value = HeadLoss.class, names = {"SIGMOID_BINARY_CROSS_ENTROPY", "MSE", "HUBER"})
    void stepLossIsTheHeadLossOfThePredictionsAndItsGradientMatchesFiniteDifferences(HeadLoss kind) throws Exception {
        PeftFixture fx = PeftFixture.load(Path.of(getClass().getResource("/peft/tiny-legacy14-mean-none").toURI()));
        ClassifierSpec spec = new ClassifierSpec(fx.spec.lora(), fx.spec.pooling(), OUTPUTS, 0, kind);
        Random rnd = new Random(3);
        int rows = fx.batch.rows();
        float[] y = new float[rows * OUTPUTS];
        for (int i = 0; i < y.length; i++) {
            y[i] = kind == HeadLoss.SIGMOID_BINARY_CROSS_ENTROPY ? (rnd.nextBoolean() ? 1f : 0f) : (float) (2 * rnd.nextGaussian());
        }
        Batch b = new Batch(rows, fx.batch.seq(), fx.batch.inputIds(), fx.batch.attentionMask(), fx.batch.tokenTypeIds(),
                null, WEIGHTS, y);
        try (TrainStep t = TrainStep.withExplicitMasks(fx.encoder, spec, AdamWConfig.defaults(), 1)) {
            ParameterLayout layout = t.layout();
            float[] params = layout.initialize(new java.util.SplittableRandom(5));
            for (int m = 0; m < layout.modules(); m++) {
                ParameterLayout.Entry e = layout.loraB(m);
                for (int i = e.offset(); i < e.offset() + e.size(); i++) {
                    params[i] = (float) (0.5 * rnd.nextGaussian()); // B != 0, so A gets a gradient too
                }
            }
            t.setState(params, null, null);
            TrainStep.Result r = t.step(b, 1, 0f, Map.of());
            assertEquals(loss(kind, fx, spec, params, b), r.loss(), 1e-4 * Math.max(1, Math.abs(r.loss())),
                    "the step's loss is the head loss of the prediction program's outputs");
            // In each tensor, the element with the largest gradient (well above float rounding of the loss).
            ParameterLayout.Entry[] tensors = {layout.loraA(0), layout.loraB(0), layout.entry(ParameterLayout.CLASSIFIER_WEIGHT),
                    layout.entry(ParameterLayout.CLASSIFIER_BIAS)};
            int[] probes = new int[tensors.length];
            for (int k = 0; k < tensors.length; k++) {
                int best = tensors[k].offset();
                for (int i = best; i < tensors[k].offset() + tensors[k].size(); i++) {
                    best = Math.abs(r.gradient()[i]) > Math.abs(r.gradient()[best]) ? i : best;
                }
                probes[k] = best;
            }
            double h = 1e-2;
            for (int i : probes) {
                float[] p = params.clone();
                p[i] += (float) h;
                double up = loss(kind, fx, spec, p, b);
                p[i] = params[i] - (float) h;
                double down = loss(kind, fx, spec, p, b);
                double numeric = (up - down) / (2 * h);
                double analytic = r.gradient()[i];
                assertTrue(Math.abs(numeric) > 1e-4, "probe " + i + " needs a non-zero gradient, got " + numeric);
                assertTrue(Math.abs(analytic - numeric) <= 3e-5 + 2e-2 * Math.abs(numeric),
                        kind + " gradient of parameter " + i + ": analytic " + analytic + ", numeric " + numeric);
            }
        }
    }

    /** The head loss, computed here from the prediction program's outputs. */
    private static double loss(HeadLoss kind, PeftFixture fx, ClassifierSpec spec, float[] params, Batch b) throws Exception {
        float[] o;
        try (Predict p = new Predict(fx.encoder, spec, params, false, 1)) {
            o = p.probabilities(b);
        }
        double sum = 0;
        double w = 0;
        for (int r = 0; r < b.rows(); r++) {
            double l = 0;
            for (int j = 0; j < OUTPUTS; j++) {
                double out = o[r * OUTPUTS + j];
                double y = b.targets()[r * OUTPUTS + j];
                double res = out - y;
                l += switch (kind) {
                    case SIGMOID_BINARY_CROSS_ENTROPY -> -(y * Math.log(out) + (1 - y) * Math.log(1 - out));
                    case MSE -> res * res / OUTPUTS;
                    case HUBER -> (Math.abs(res) <= 1 ? 0.5 * res * res : Math.abs(res) - 0.5) / OUTPUTS;
                    default -> throw new IllegalArgumentException();
                };
            }
            sum += WEIGHTS[r] * l;
            w += WEIGHTS[r];
        }
        return sum / w;
    }
}
