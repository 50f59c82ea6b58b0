/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.onnx.EncoderModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints in one JVM: a run stopped after k steps and resumed ends bit-identical to an uninterrupted one; a
 * diverging run names the step and keeps its last good checkpoint; damaged checkpoint files are refused clearly.
 */
class CheckpointResumeTest {
    private static EncoderModel encoder;
    private static ResumeScenario.Outcome uninterrupted;
    private static Checkpoint uninterruptedLast;

    @TempDir
    Path tmp;

    /** Thrown by the step hook to stop a run the way a crash would: between a step and its checkpoint. */
    static final class Stop extends RuntimeException {
        Stop(long step) {
            super("stopped after step " + step);
        }
    }

    @BeforeAll
    static void reference(@TempDir Path dir) throws Exception {
        encoder = ResumeScenario.encoder();
        FineTuneResult r = run(dir.resolve("reference"), false, 3e-3);
        uninterrupted = ResumeScenario.Outcome.of(r);
        uninterruptedLast = Checkpoint.read(dir.resolve("reference"));
        assertEquals(ResumeScenario.TOTAL_STEPS, r.steps());
        assertEquals(ResumeScenario.EPOCHS, r.history().size());
    }

    static FineTuneResult run(Path dir, boolean resume, double lr) throws Exception {
        return new FineTuner(encoder, ResumeScenario.spec(), ResumeScenario.config(lr)).withCheckpoints(dir, 1, resume)
                .fit(ResumeScenario.train(), ResumeScenario.validation(), 0);
    }

    static void assertSameBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + " differ at " + i + ": " + want[i] + " vs " + got[i]);
            }
        }
    }

    static void assertSameOutcome(ResumeScenario.Outcome want, ResumeScenario.Outcome got) {
        assertEquals(want.steps(), got.steps());
        assertEquals(want.chosenEpoch(), got.chosenEpoch());
        assertEquals(want.history(), got.history(), "losses and validation results per epoch");
        assertSameBits(want.params(), got.params(), "parameters");
    }

    /** Stops at step k (mid-epoch, last batch of epoch 1, first of epoch 2, late in epoch 2) and resumes. */
    @ParameterizedTest
    @ValueSource(ints = {3, 6, 7, 11})
    void interruptedAndResumedRunIsBitIdentical(int k) throws Exception {
        Path dir = tmp.resolve("run");
        Handler h = ResumeScenario.addStepHook(step -> {
            if (step == k) {
                throw new Stop(step);
            }
        });
        try {
            Stop s = assertThrows(Stop.class, () -> run(dir, false, 3e-3));
            assertEquals("stopped after step " + k, s.getMessage());
        } finally {
            ResumeScenario.removeStepHook(h);
        }
        Checkpoint c = Checkpoint.read(dir);
        assertEquals(k - 1, c.position().step(), "the checkpoint of step k was not written yet");
        ResumeScenario.Outcome resumed = ResumeScenario.Outcome.of(run(dir, true, 3e-3));
        assertSameOutcome(uninterrupted, resumed);
        Checkpoint last = Checkpoint.read(dir);
        assertSameBits(uninterruptedLast.state().params(), last.state().params(), "final parameters");
        assertSameBits(uninterruptedLast.state().m(), last.state().m(), "first moments");
        assertSameBits(uninterruptedLast.state().v(), last.state().v(), "second moments");
        assertEquals(ResumeScenario.TOTAL_STEPS, last.position().step());
    }

    @Test
    void resumingWithOtherSettingsIsRefused() throws Exception {
        Path dir = tmp.resolve("other");
        run(dir, false, 3e-3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(dir, true, 1e-3));
        assertTrue(e.getMessage().contains("belongs to another run; it differs in learningRate (checkpoint: 0.003; this run: 0.001)"), e.getMessage());
    }

    @Test
    void divergenceNamesTheStepAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path dir = tmp.resolve("nan");
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> run(dir, false, 1e30));
        assertTrue(e.step() >= 2, "step 1's loss is computed before any update, so it is finite: " + e.step());
        assertTrue(e.getMessage().contains("Training diverged at step " + e.step() + ": loss = "), e.getMessage());
        assertTrue(e.getMessage().contains("last good checkpoint is in " + dir), e.getMessage());
        Checkpoint c = Checkpoint.read(dir);
        assertEquals(e.step() - 1, c.position().step(), "the checkpoint is the state before the diverging step");
        for (float x : c.state().params()) {
            assertTrue(Float.isFinite(x), "the kept state is finite");
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(Checkpoint.FILE_NAME), s.map(p -> p.getFileName().toString()).toList(), "no temporary files");
        }
    }

    @Test
    void damagedCheckpointsGiveClearErrors() throws Exception {
        Path dir = tmp.resolve("good");
        Handler h = ResumeScenario.addStepHook(step -> {
            if (step == 4) {
                throw new Stop(step);
            }
        });
        try {
            assertThrows(Stop.class, () -> run(dir, false, 3e-3));
        } finally {
            ResumeScenario.removeStepHook(h);
        }
        Path file = dir.resolve(Checkpoint.FILE_NAME);
        byte[] good = Files.readAllBytes(file);
        Checkpoint c = Checkpoint.read(dir);
        int fpLen = ((good[8] & 0xFF) << 8) | (good[9] & 0xFF);
        int paramsLenAt = 8 + 2 + fpLen + 8 + 4 + 4;
        assertEquals(c.state().params().length, java.nio.ByteBuffer.wrap(good, paramsLenAt, 4).getInt(), "layout assumption of this test");

        record Damage(String name, byte[] bytes, String message) {}
        byte[] flipped = good.clone();
        flipped[paramsLenAt + 4 + 17] ^= 0x10;  // one bit inside the parameters
        byte[] badLength = good.clone();
        Arrays.fill(badLength, paramsLenAt, paramsLenAt + 4, (byte) 0x7F);
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        byte[] badVersion = good.clone();
        badVersion[7] = 9;
        byte[] badTrailer = good.clone();
        badTrailer[good.length - 1] ^= 1;
        List<Damage> damages = List.of(
                new Damage("half", Arrays.copyOf(good, good.length / 2), "Checkpoint is truncated: " + file),
                new Damage("no trailer", Arrays.copyOf(good, good.length - 4), "Checkpoint is truncated: " + file),
                new Damage("empty", new byte[0], "Checkpoint is truncated: " + file),
                new Damage("bit flip", flipped, "Checkpoint is corrupt (checksum mismatch): " + file),
                new Damage("vector length", badLength, "Checkpoint is corrupt (vector length 2139062143 in a file of " + good.length + " bytes): " + file),
                new Damage("magic", badMagic, "Not a LoRA-Drop checkpoint: " + file),
                new Damage("version", badVersion, "Unsupported checkpoint version 9 in " + file),
                new Damage("trailer", badTrailer, "Checkpoint is corrupt (bad trailer): " + file));
        for (Damage d : damages) {
            Files.write(file, d.bytes());
            IOException e = assertThrows(IOException.class, () -> Checkpoint.read(dir), d.name());
            assertEquals(d.message(), e.getMessage(), d.name());
        }
        // Resuming from a damaged checkpoint fails instead of silently starting over.
        Files.write(file, Arrays.copyOf(good, good.length - 9));
        IOException e = assertThrows(IOException.class, () -> run(dir, true, 3e-3));
        assertTrue(e.getMessage().startsWith("Checkpoint is"), e.getMessage());
        // The undamaged file still resumes to the reference result.
        Files.write(file, good);
        assertSameOutcome(uninterrupted, ResumeScenario.Outcome.of(run(dir, true, 3e-3)));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(Checkpoint.FILE_NAME), s.map(p -> p.getFileName().toString()).toList(), "no temporary files");
        }
    }
}
