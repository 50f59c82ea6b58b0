/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.train.EncodedExample;
import ai.loradrop.train.FineTuneResult;
import ai.loradrop.train.FineTuner;
import ai.loradrop.train.LrSchedule;
import ai.loradrop.train.TrainingConfig;
import ai.loradrop.optim.AdamWConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Same seed and thread count give bit-identical parameters; another seed gives other parameters. Masks are drawn in
 * the graph, so this covers the hash generator's keying by (seed, step, module, site).
 */
class DeterminismTest {

    static List<EncodedExample> data(int n, long seed) {
        Random r = new Random(seed);
        List<EncodedExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 4 + r.nextInt(9);
            int[] ids = new int[len];
            int[] types = new int[len];
            int label = i % 3;
            ids[0] = 101 % 120;
            for (int t = 1; t < len; t++) {
                ids[t] = 5 + r.nextInt(100) + (t == 1 ? label : 0);
            }
            out.add(new EncodedExample(ids, types, label, 1f));
        }
        return out;
    }

    static FineTuneResult run(PeftFixture fx, DropoutMode mode, long seed, int threads) throws Exception {
        LoraConfig lc = fx.spec.lora().withDropout(mode, mode == DropoutMode.NONE ? 0 : 0.2);
        ClassifierSpec spec = new ClassifierSpec(lc, fx.spec.pooling(), 3, mode == DropoutMode.NONE ? 0.1 : 0.0);
        TrainingConfig cfg = new TrainingConfig(2, 8, 5e-3, 0.1, LrSchedule.LINEAR, AdamWConfig.defaults(), 2, seed, threads, 0, 60);
        return new FineTuner(fx.encoder, spec, cfg).fit(data(40, 1), List.of(), 0);
    }

    @ParameterizedTest
    @EnumSource(DropoutMode.class)
    void sameSeedSameBitsOtherSeedOtherBits(DropoutMode mode) throws Exception {
        PeftFixture fx = PeftFixture.load(Path.of(getClass().getResource("/peft/tiny-legacy14-mean-none").toURI()));
        FineTuneResult a = run(fx, mode, 7, 2);
        FineTuneResult b = run(fx, mode, 7, 2);
        FineTuneResult c = run(fx, mode, 8, 2);
        assertArrayEquals(a.params(), b.params(), "same seed and threads must give bit-identical parameters");
        assertFalse(java.util.Arrays.equals(a.params(), c.params()), "another seed must give other parameters");
        assertTrue(a.steps() == 10, "2 epochs x 5 steps, got " + a.steps());
    }
}
