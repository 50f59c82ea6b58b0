/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.optim.AdamWConfig;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parity with PyTorch + PEFT on every case folder under {@code src/test/resources/peft}: logits, loss, gradients,
 * the AdamW trajectory, and ensemble probabilities, with the fixture's masks fed explicitly.
 */
class PeftParityTest {

    @TestFactory
    List<DynamicTest> everyFixtureCase() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : PeftFixture.caseDirs()) {
            tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(PeftFixture.load(dir))));
        }
        assertTrue(tests.size() >= 7, "expected the seven fixture cases, found " + tests.size());
        return tests;
    }

    private static void check(PeftFixture fx) throws Exception {
        boolean wide = fx.name.startsWith("minilm");
        JsonNode adamw = fx.json.get("adamw");
        AdamWConfig opt = new AdamWConfig(adamw.get("betas").get(0).asDouble(), adamw.get("betas").get(1).asDouble(),
                adamw.get("eps").asDouble(), adamw.get("weight_decay").asDouble(), 0);
        try (TrainStep step = TrainStep.withExplicitMasks(fx.encoder, fx.spec, opt, 1)) {
            assertEquals(fx.json.get("lora").get("modules").size(), step.targets().size(), "targeted modules");
            float[] init = fx.flatParams(fx.json.get("init"), step.layout(), step.targets());
            step.setState(init, null, null);
            float lr = (float) adamw.get("lr").asDouble();
            TrainStep.Result r = step.step(fx.batch, 1, lr, fx.masks(fx.json.get("masks"), step.targets()));
            JsonNode exp = fx.json.get("expected");
            double[] logits = PeftFixture.flatRows(exp.get("logits"));
            for (int i = 0; i < logits.length; i++) {
                double tol = wide ? 1e-4 * Math.max(1, Math.abs(logits[i])) : 1e-5;
                assertEquals(logits[i], r.logits()[i], tol, fx.name + " logit " + i);
            }
            assertEquals(exp.get("loss").asDouble(), r.loss(), wide ? 1e-4 : 1e-5, fx.name + " loss");
            for (int e = 0; e < step.layout().entries().size(); e++) {
                ParameterLayout.Entry en = step.layout().entries().get(e);
                double[] g = PeftFixture.tensorD(exp.get("grads").get(fx.fixtureKey(step.layout(), step.targets(), e)));
                double scale = 0;
                for (double v : g) {
                    scale = Math.max(scale, Math.abs(v));
                }
                double worst = 0;
                for (int i = 0; i < g.length; i++) {
                    worst = Math.max(worst, Math.abs(g[i] - r.gradient()[en.offset() + i]));
                }
                assertTrue(worst <= 1e-4 * Math.max(scale, 1e-6),
                        fx.name + " gradient of " + en.name() + ": max abs error " + worst + " vs max |g| " + scale);
            }
            // AdamW trajectory: step 1 already ran; continue with the recorded masks.
            JsonNode losses = adamw.get("losses");
            assertEquals(losses.get(0).asDouble(), r.loss(), 1e-4, fx.name + " AdamW loss 1");
            for (int s = 1; s < adamw.get("steps").asInt(); s++) {
                JsonNode after = adamw.get("masks_after_first");
                Map<String, float[]> masks = after.size() >= s ? fx.masks(after.get(s - 1), step.targets()) : Map.of();
                TrainStep.Result rs = step.step(fx.batch, s + 1, lr, masks);
                assertEquals(losses.get(s).asDouble(), rs.loss(), 1e-4, fx.name + " AdamW loss " + (s + 1));
            }
            float[] fin = step.params();
            float[] expected = fx.flatParams(adamw.get("final"), step.layout(), step.targets());
            for (int i = 0; i < fin.length; i++) {
                assertEquals(expected[i], fin[i], 1e-4, fx.name + " final parameter " + i);
            }
            JsonNode ens = fx.json.get("ensemble");
            if (ens != null && ens.has("mean_probs")) {
                try (EnsemblePredict ep = new EnsemblePredict(fx.encoder, fx.spec, expected,
                        fx.ensembleMasks(step.targets(), "A"), fx.ensembleMasks(step.targets(), "B"), 1)) {
                    EnsemblePredict.Output out = ep.predict(fx.batch);
                    double[] mean = PeftFixture.flatRows(ens.get("mean_probs"));
                    for (int i = 0; i < mean.length; i++) {
                        assertEquals(mean[i], out.mean()[i], wide ? 1e-4 : 1e-5, fx.name + " ensemble mean " + i);
                    }
                }
                double[] det = PeftFixture.flatRows(ens.get("deterministic_probs"));
                for (boolean merged : new boolean[]{false, true}) {
                    try (Predict p = new Predict(fx.encoder, fx.spec, expected, merged, 1)) {
                        float[] probs = p.probabilities(fx.batch);
                        for (int i = 0; i < det.length; i++) {
                            assertEquals(det[i], probs[i], wide ? 1e-4 : 1e-5, fx.name + " deterministic prob " + i + " merged=" + merged);
                        }
                    }
                }
            }
        }
    }
}
