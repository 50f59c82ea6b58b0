/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.head.HeadLoss;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.ClassifierSpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Checkpoints and exact resume with float targets (multi-label and regression heads): {@link ResumeScenario}'s run
 * with 0/1 label targets or numeric targets, stopped mid-run and resumed, ends bit-identical to the uninterrupted run,
 * and its checkpoint refuses a run whose targets differ (the fingerprint covers them).
 */
class FloatTargetResumeTest {
    @TempDir
    Path tmp;

    /** ResumeScenario's examples with float targets derived from their class: one-hot tags or the class as a value. */
    static List<EncodedExample> withTargets(List<EncodedExample> in, HeadLoss loss, float shift) {
        List<EncodedExample> out = new ArrayList<>();
        for (EncodedExample e : in) {
            float[] y = loss == HeadLoss.SIGMOID_BINARY_CROSS_ENTROPY ? new float[3] : new float[]{e.label() - 1 + shift};
            if (loss == HeadLoss.SIGMOID_BINARY_CROSS_ENTROPY) {
                y[e.label()] = 1;
            }
            out.add(new EncodedExample(e.inputIds(), e.typeIds(), -1, e.weight(), y));
        }
        return out;
    }

    static FineTuneResult run(EncoderModel encoder, HeadLoss loss, Path dir, boolean resume, float shift) throws Exception {
        ClassifierSpec s = ResumeScenario.spec();
        ClassifierSpec spec = new ClassifierSpec(s.lora(), s.pooling(), loss == HeadLoss.SIGMOID_BINARY_CROSS_ENTROPY ? 3 : 1,
                s.headDropout(), loss);
        return new FineTuner(encoder, spec, ResumeScenario.config(3e-3)).withCheckpoints(dir, 1, resume)
                .fit(withTargets(ResumeScenario.train(), loss, shift), withTargets(ResumeScenario.validation(), loss, shift), 0);
    }

    @ParameterizedTest
    @EnumSource(value = HeadLoss.class, names = {"SIGMOID_BINARY_CROSS_ENTROPY", "HUBER"})
    void interruptedAndResumedRunIsBitIdentical(HeadLoss loss) throws Exception {
        EncoderModel encoder = ResumeScenario.encoder();
        FineTuneResult reference = run(encoder, loss, tmp.resolve("reference"), false, 0f);
        Path dir = tmp.resolve("run");
        Handler h = ResumeScenario.addStepHook(step -> {
            if (step == 7) {
                throw new CheckpointResumeTest.Stop(step);
            }
        });
        try {
            assertThrows(CheckpointResumeTest.Stop.class, () -> run(encoder, loss, dir, false, 0f));
        } finally {
            ResumeScenario.removeStepHook(h);
        }
        FineTuneResult resumed = run(encoder, loss, dir, true, 0f);
        CheckpointResumeTest.assertSameBits(reference.params(), resumed.params(), loss + " final parameters");
        assertArrayEquals(reference.history().stream().mapToDouble(EpochStats::validationLoss).toArray(),
                resumed.history().stream().mapToDouble(EpochStats::validationLoss).toArray(), "validation losses");
        if (loss == HeadLoss.HUBER) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> run(encoder, loss, tmp.resolve("reference"), true, 0.5f));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("belongs to another run"), e.getMessage());
        }
    }
}
