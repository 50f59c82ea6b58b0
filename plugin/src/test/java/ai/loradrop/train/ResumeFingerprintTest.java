/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.onnx.EncoderModel;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 8: resuming ignored the base encoder and the validation data, and a mismatch dumped both
 * fingerprints. The fingerprint now covers both, and a mismatch names the field that differs.
 */
class ResumeFingerprintTest {
    @TempDir
    static Path dir;
    private static EncoderModel encoder;
    private static final List<EncodedExample> TRAIN = ResumeScenario.data(16, 21);
    private static final List<EncodedExample> VALIDATION = ResumeScenario.data(6, 22);

    private static TrainingConfig config(double lr) {
        return new TrainingConfig(1, 8, lr, 0.0, LrSchedule.LINEAR, ResumeScenario.config(lr).optimizer(), 1, 3L, 1, 0, 60.0);
    }

    @BeforeAll
    static void writeCheckpoint() throws Exception {
        encoder = ResumeScenario.encoder();
        new FineTuner(encoder, ResumeScenario.spec(), config(1e-2)).withCheckpoints(dir, 1, false).fit(TRAIN, VALIDATION, 0);
    }

    private static String resumeError(EncoderModel enc, double lr, List<EncodedExample> train, List<EncodedExample> validation) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FineTuner(enc, ResumeScenario.spec(),
                config(lr)).withCheckpoints(dir, 1, true).fit(train, validation, 0));
        String msg = e.getMessage();
        assertTrue(msg.contains("belongs to another run; it differs in"), msg);
        assertFalse(msg.contains(RunFingerprint.HEADER), "the message dumps whole fingerprints: " + msg);
        return msg;
    }

    @Test
    void sameRunResumes() throws Exception {
        FineTuneResult r = new FineTuner(encoder, ResumeScenario.spec(), config(1e-2)).withCheckpoints(dir, 1, true)
                .fit(TRAIN, VALIDATION, 0);
        assertEquals(2, r.steps());
    }

    @Test
    void resumeWithAnotherBaseEncoderNamesTheEncoder() throws Exception {
        // The same encoder with one LayerNorm weight changed: same shapes, same targets, another model.
        ModelProto.Builder m = encoder.model().toBuilder();
        int i = 0;
        while (!(m.getGraph().getInitializer(i).getDataType() == TensorProto.DataType.FLOAT_VALUE
                && m.getGraph().getInitializer(i).getDimsCount() == 1)) {
            i++;
        }
        TensorProto t = m.getGraph().getInitializer(i);
        ByteBuffer raw = ByteBuffer.allocate(t.getRawData().size()).order(ByteOrder.LITTLE_ENDIAN);
        t.getRawData().copyTo(raw);
        raw.putFloat(0, raw.getFloat(0) + 0.5f);
        raw.rewind();
        m.getGraphBuilder().setInitializer(i, t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(raw)));
        String msg = resumeError(EncoderModel.of(m.build()), 1e-2, TRAIN, VALIDATION);
        assertTrue(msg.contains(RunFingerprint.ENCODER + " (checkpoint: "), msg);
        assertFalse(msg.contains(RunFingerprint.VALIDATION_DATA), msg);
    }

    @Test
    void resumeWithOtherValidationDataNamesTheValidationData() {
        String msg = resumeError(encoder, 1e-2, TRAIN, ResumeScenario.data(6, 23));
        assertTrue(msg.startsWith("The checkpoint in " + dir + " belongs to another run; it differs in "
                + RunFingerprint.VALIDATION_DATA + " (checkpoint: 6 examples, CRC-32C "), msg);
        assertFalse(msg.contains(RunFingerprint.ENCODER) || msg.contains(RunFingerprint.TRAINING_DATA), msg);
        String none = resumeError(encoder, 1e-2, TRAIN, List.of());
        assertTrue(none.contains(RunFingerprint.VALIDATION_DATA + " (checkpoint: 6 examples"), none);
        assertTrue(none.contains("this run: 0 examples"), none);
    }

    @Test
    void resumeWithOtherSettingsNamesEachField() {
        String msg = resumeError(encoder, 2e-2, ResumeScenario.data(16, 24), VALIDATION);
        assertTrue(msg.contains("learningRate (checkpoint: 0.01; this run: 0.02)"), msg);
        assertTrue(msg.contains(RunFingerprint.TRAINING_DATA + " (checkpoint: 16 examples"), msg);
        assertFalse(msg.contains("epochs") || msg.contains(RunFingerprint.VALIDATION_DATA), msg);
    }

    @Test
    void checkpointOfAnEarlierFingerprintFormatIsRefusedClearly(@TempDir Path old) throws Exception {
        Checkpoint c = Checkpoint.read(dir);
        new Checkpoint("v2:" + ResumeScenario.spec() + "|epochs=1", c.position(), c.state(), c.epochProgress(), c.best(),
                c.history()).write(old);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FineTuner(encoder,
                ResumeScenario.spec(), config(1e-2)).withCheckpoints(old, 1, true).fit(TRAIN, VALIDATION, 0));
        assertTrue(e.getMessage().contains("written by an earlier LoRA-Drop version"), e.getMessage());
    }
}
