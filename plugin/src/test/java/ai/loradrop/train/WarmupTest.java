/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.programs.TrainStep;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 3: warm-up put the first step at learning rate 0, so a run of one optimisation step returned an
 * untrained model (every LoRA B still zero). No step may run at rate 0, and a run too short for its warm-up says so.
 */
class WarmupTest {
    @Test
    void noStepOfAnyScheduleRunsAtRateZero() {
        for (LrSchedule s : LrSchedule.values()) {
            for (long total : new long[]{1, 2, 7, 100}) {
                for (double fraction : new double[]{0, 0.06, 0.5, 0.9}) {
                    long warmup = (long) Math.ceil(fraction * total);
                    for (long step = 1; step <= total; step++) {
                        double r = s.rate(1e-3, step, total, warmup);
                        assertTrue(r > 0 && r <= 1e-3, s + " total " + total + " warmup " + warmup + " step " + step + ": " + r);
                    }
                    if (warmup > 0) {
                        assertEquals(1e-3 / warmup, s.rate(1e-3, 1, total, warmup), 1e-18, "first warm-up step");
                        assertEquals(1e-3, s.rate(1e-3, warmup, total, warmup), 1e-18, "last warm-up step reaches the peak");
                    }
                }
            }
        }
    }

    @Test
    void oneStepRunChangesTheLoraBMatrices() throws Exception {
        EncoderModel encoder = ResumeScenario.encoder();
        List<EncodedExample> train = ResumeScenario.train();
        // One epoch of one batch holding every example, with the default 6% warm-up: one optimisation step.
        TrainingConfig config = new TrainingConfig(1, train.size(), 1e-2, 0.06, LrSchedule.LINEAR, AdamWConfig.defaults(),
                1, 7L, 1, 0, 60.0);
        List<String> warnings = new ArrayList<>();
        Logger log = Logger.getLogger(FineTuner.class.getName());
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.WARNING) {
                    warnings.add(record.getMessage());
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
            r = new FineTuner(encoder, ResumeScenario.spec(), config).fit(train, List.of(), 0);
        } finally {
            log.removeHandler(h);
        }
        assertEquals(1, r.steps());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("too short for its warm-up")), "warnings: " + warnings);
        ParameterLayout layout;
        try (TrainStep step = new TrainStep(encoder, ResumeScenario.spec(), AdamWConfig.defaults(), 1, 1)) {
            layout = step.layout();
        }
        assertTrue(layout.modules() > 0);
        for (int i = 0; i < layout.modules(); i++) {
            ParameterLayout.Entry b = layout.loraB(i);
            double norm = 0;
            for (int k = b.offset(); k < b.offset() + b.size(); k++) {
                norm += Math.abs(r.params()[k]);
            }
            assertTrue(norm > 0, "LoRA B of " + b.name() + " is still zero after one step");
        }
    }
}
