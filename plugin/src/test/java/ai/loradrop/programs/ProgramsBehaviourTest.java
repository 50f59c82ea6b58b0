/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.optim.AdamWConfig;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Behaviour of the programs beyond the PEFT fixtures: merging, example weights, clipping, target errors.
 */
class ProgramsBehaviourTest {

    static PeftFixture fixture(String name) throws Exception {
        return PeftFixture.load(Path.of(ProgramsBehaviourTest.class.getResource("/peft/" + name).toURI()));
    }

    @TestFactory
    List<DynamicTest> mergedEqualsUnmergedOnEveryFixture() throws Exception {
        List<DynamicTest> out = new ArrayList<>();
        for (Path dir : PeftFixture.caseDirs()) {
            out.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                PeftFixture fx = PeftFixture.load(dir);
                float[] params;
                try (TrainStep t = TrainStep.withExplicitMasks(fx.encoder, fx.spec, AdamWConfig.defaults(), 1)) {
                    params = fx.flatParams(fx.json.get("adamw").get("final"), t.layout(), t.targets());
                }
                try (Predict a = new Predict(fx.encoder, fx.spec, params, false, 1);
                     Predict b = new Predict(fx.encoder, fx.spec, params, true, 1)) {
                    float[] la = a.logits(fx.batch);
                    float[] lb = b.logits(fx.batch);
                    for (int i = 0; i < la.length; i++) {
                        assertEquals(la[i], lb[i], 1e-5, "logit " + i);
                    }
                }
            }));
        }
        return out;
    }

    @Test
    void exampleWeightsWeightTheLoss() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        try (TrainStep t = TrainStep.withExplicitMasks(fx.encoder, fx.spec, AdamWConfig.defaults(), 1);
             Predict p = new Predict(fx.encoder, fx.spec, fx.flatParams(fx.json.get("init"), layoutOf(fx), targetsOf(fx)), false, 1)) {
            float[] init = fx.flatParams(fx.json.get("init"), t.layout(), t.targets());
            float[] probs = p.probabilities(fx.batch);
            float[] w = {2f, 0f, 1f, 0.5f};
            Batch b = new Batch(fx.batch.rows(), fx.batch.seq(), fx.batch.inputIds(), fx.batch.attentionMask(),
                    fx.batch.tokenTypeIds(), fx.batch.labels(), w);
            t.setState(init, null, null);
            TrainStep.Result r = t.step(b, 1, 0f, Map.of());
            int c = fx.spec.numClasses();
            double num = 0;
            double den = 0;
            for (int i = 0; i < w.length; i++) {
                num += w[i] * -Math.log(probs[i * c + (int) b.labels()[i]]);
                den += w[i];
            }
            assertEquals(num / den, r.loss(), 1e-5, "weighted mean cross-entropy");
        }
    }

    @Test
    void gradientClippingScalesTheFirstMoment() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        AdamWConfig clip = new AdamWConfig(0.9, 0.999, 1e-8, 0.01, 0.05);
        try (TrainStep t = TrainStep.withExplicitMasks(fx.encoder, fx.spec, clip, 1)) {
            t.setState(fx.flatParams(fx.json.get("init"), t.layout(), t.targets()), null, null);
            TrainStep.Result r = t.step(fx.batch, 1, 1e-3f, Map.of());
            double norm = 0;
            for (float g : r.gradient()) {
                norm += (double) g * g;
            }
            norm = Math.sqrt(norm);
            assertEquals(norm, r.gradNorm(), 1e-4 * norm, "global gradient norm");
            assertTrue(norm > 0.05, "the test needs a gradient norm above the threshold, got " + norm);
            double factor = 0.05 / (norm + 1e-6);
            float[] m = t.firstMoments();
            for (int i = 0; i < m.length; i++) {
                assertEquals(0.1 * r.gradient()[i] * factor, m[i], 1e-6 + 1e-4 * Math.abs(m[i]), "first moment " + i);
            }
        }
    }

    @Test
    void noMatchingTargetListsTheModulePaths() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        LoraConfig lc = new LoraConfig(4, 8, false, List.of("nonexistent"), null, DropoutMode.NONE, 0, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraSurgery.select(fx.encoder, lc));
        assertTrue(e.getMessage().contains("nonexistent") && e.getMessage().contains("encoder.layer.0.attention.self.query"), e.getMessage());
        LoraConfig regex = new LoraConfig(4, 8, false, List.of(), ".*layer\\.1\\..*dense", DropoutMode.NONE, 0, true);
        assertEquals(3, LoraSurgery.select(fx.encoder, regex).size(), "regex over whole paths");
    }

    @Test
    void rsLoraScaling() {
        LoraConfig lc = new LoraConfig(16, 32, true, List.of("query"), null, DropoutMode.NONE, 0, true);
        assertEquals(32 / 4.0, lc.scaling(), 1e-12);
        assertEquals(2.0, new LoraConfig(16, 32, false, List.of("query"), null, DropoutMode.NONE, 0, true).scaling(), 1e-12);
    }

    private static ParameterLayout layoutOf(PeftFixture fx) {
        return new ParameterLayout(targetsOf(fx), fx.spec.lora().rank(), fx.encoder.hiddenSize(), fx.spec.numClasses());
    }

    private static List<ai.loradrop.onnx.LinearModule> targetsOf(PeftFixture fx) {
        return LoraSurgery.select(fx.encoder, fx.spec.lora());
    }
}
