/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 9: a batch whose example weights sum to 0 gave a NaN loss (0/0) reported as divergence. Such a
 * batch is now skipped (no update, no loss), and data whose weights are all 0 is refused before training.
 */
class ZeroWeightTest {
    private static final Pattern SKIPPED = Pattern.compile("^Step (\\d+) .* skipped");

    private static TrainingConfig config(int batch) {
        return new TrainingConfig(1, batch, 1e-2, 0.0, LrSchedule.CONSTANT, AdamWConfig.defaults(), 1, 5L, 1, 0, 0.0);
    }

    private static List<EncodedExample> withWeight(List<EncodedExample> in, int index, float weight) {
        List<EncodedExample> out = new ArrayList<>(in);
        EncodedExample e = out.get(index);
        out.set(index, new EncodedExample(e.inputIds(), e.typeIds(), e.label(), weight));
        return out;
    }

    @Test
    void zeroWeightBatchIsSkippedNotReportedAsDivergence(@TempDir Path dir) throws Exception {
        EncoderModel encoder = ResumeScenario.encoder();
        List<EncodedExample> data = withWeight(ResumeScenario.data(6, 3), 2, 0f);
        // Batches of one example, so the zero-weight example is a batch whose weights sum to 0. A checkpoint after
        // every step; at each step's progress line the checkpoint on disk holds the state after the step before.
        Map<Long, float[]> stateAfter = new HashMap<>();
        List<Long> skipped = new ArrayList<>();
        Logger log = Logger.getLogger(FineTuner.class.getName());
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord record) {
                Matcher m = SKIPPED.matcher(record.getMessage());
                if (m.find()) {
                    skipped.add(Long.parseLong(m.group(1)));
                }
                if (record.getMessage().startsWith("epoch ") && Files.isRegularFile(dir.resolve(Checkpoint.FILE_NAME))) {
                    try {
                        Checkpoint c = Checkpoint.read(dir);
                        stateAfter.put(c.position().step(), c.state().params());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(h);
        FineTuneResult r;
        try {
            r = new FineTuner(encoder, ResumeScenario.spec(), config(1)).withCheckpoints(dir, 1, false).fit(data, List.of(), 0);
        } finally {
            log.removeHandler(h);
        }
        assertEquals(6, r.steps());
        assertEquals(1, skipped.size(), "skipped steps " + skipped);
        long s = skipped.get(0);
        assertTrue(stateAfter.containsKey(s) && stateAfter.containsKey(s - 1), "states after " + stateAfter.keySet());
        assertArrayEquals(stateAfter.get(s - 1), stateAfter.get(s), "the skipped step changed the parameters");
        for (long k : stateAfter.keySet()) {
            if (k != s && stateAfter.containsKey(k - 1)) {
                assertFalse(Arrays.equals(stateAfter.get(k - 1), stateAfter.get(k)), "step " + k + " did not update");
            }
        }
        for (float p : r.params()) {
            assertTrue(Float.isFinite(p));
        }
        double loss = r.history().get(0).trainLoss();
        assertTrue(Double.isFinite(loss) && loss > 0, "epoch loss " + loss);
    }

    @Test
    void allZeroWeightsAreRefusedBeforeTraining() throws Exception {
        EncoderModel encoder = ResumeScenario.encoder();
        List<EncodedExample> data = ResumeScenario.data(3, 3);
        for (int i = 0; i < data.size(); i++) {
            data = withWeight(data, i, 0f);
        }
        List<EncodedExample> zero = data;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FineTuner(encoder, ResumeScenario.spec(), config(1)).fit(zero, List.of(), 0));
        assertTrue(e.getMessage().contains("weights of all 3 training examples are 0"), e.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> new FineTuner(encoder, ResumeScenario.spec(), config(1)).fit(ResumeScenario.data(3, 4), zero, 0));
        assertTrue(v.getMessage().contains("validation examples are 0"), v.getMessage());
    }
}
