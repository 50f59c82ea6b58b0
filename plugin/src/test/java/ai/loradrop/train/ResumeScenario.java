/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.ClassifierSpec;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongConsumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One small training run shared by the in-process and the child-JVM resume tests: the tiny fixture encoder,
 * synthetic 3-class data, sparse LoRA dropout with two dropout samples, head dropout, warm-up and a validation
 * set, so that every piece of state a resume must restore (moments, step, masks, epoch order, best parameters,
 * history) matters.
 * <p>
 * Steps are observed through FineTuner's per-step progress line (logged every step with a log interval of 0), which
 * is emitted after a step has run and before its checkpoint is written; a test hook there can slow the run down or
 * interrupt it without any test-only code in the engine.
 */
final class ResumeScenario {
    /** Training examples: 6 batches of 8 per epoch. */
    static final int TRAIN = 48;
    /** Batch size. */
    static final int BATCH = 8;
    /** Epochs. */
    static final int EPOCHS = 2;
    /** Steps of the whole run. */
    static final int TOTAL_STEPS = EPOCHS * TRAIN / BATCH;

    private static final Pattern STEP = Pattern.compile("^epoch \\d+/\\d+ step (\\d+)/\\d+ ");

    private ResumeScenario() {}

    static Path encoderPath() throws URISyntaxException {
        return Path.of(ResumeScenario.class.getResource("/peft/tiny-legacy14-mean-none/model.onnx").toURI());
    }

    static EncoderModel encoder() throws IOException, URISyntaxException {
        return EncoderModel.load(encoderPath());
    }

    static ClassifierSpec spec() {
        LoraConfig lc = new LoraConfig(4, 8, false, List.of("query", "value"), null, DropoutMode.SPARSE, 0.2, true);
        return new ClassifierSpec(lc, Pooling.MEAN, 3, 0.1);
    }

    static TrainingConfig config(double learningRate) {
        return new TrainingConfig(EPOCHS, BATCH, learningRate, 0.2, LrSchedule.LINEAR, new AdamWConfig(0.9, 0.999, 1e-8, 0.01, 1.0),
                2, 1234L, 1, 0, 0.0);
    }

    /** Labelled token sequences whose class shows in the second token, with vocabulary ids below the tiny encoder's 120. */
    static List<EncodedExample> data(int n, long seed) {
        Random r = new Random(seed);
        List<EncodedExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 4 + r.nextInt(9);
            int[] ids = new int[len];
            int label = r.nextInt(3);
            ids[0] = 101;
            ids[1] = 10 + 20 * label + r.nextInt(5);
            for (int t = 2; t < len; t++) {
                ids[t] = 5 + r.nextInt(110);
            }
            out.add(new EncodedExample(ids, new int[len], label, 1f));
        }
        return out;
    }

    static List<EncodedExample> train() {
        return data(TRAIN, 11);
    }

    static List<EncodedExample> validation() {
        return data(12, 12);
    }

    /**
     * Calls {@code onStep} with the step number of every progress line of FineTuner until the handler is removed.
     * @param onStep the hook; a RuntimeException it throws propagates out of {@code FineTuner.fit}.
     * @return the installed handler, to pass to {@link #removeStepHook(Handler)}.
     */
    static Handler addStepHook(LongConsumer onStep) {
        Logger l = Logger.getLogger(FineTuner.class.getName());
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord record) {
                Matcher m = STEP.matcher(record.getMessage());
                if (m.find()) {
                    onStep.accept(Long.parseLong(m.group(1)));
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        h.setLevel(Level.ALL);
        l.setLevel(Level.INFO);
        l.addHandler(h);
        return h;
    }

    static void removeStepHook(Handler h) {
        Logger.getLogger(FineTuner.class.getName()).removeHandler(h);
    }

    /** The outcome written by the child JVM: steps, chosen epoch, parameters and history. */
    record Outcome(long steps, int chosenEpoch, float[] params, List<EpochStats> history) {
        static Outcome of(FineTuneResult r) {
            return new Outcome(r.steps(), r.chosenEpoch(), r.params(), r.history());
        }

        void write(Path file) throws IOException {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
                out.writeLong(steps);
                out.writeInt(chosenEpoch);
                out.writeInt(params.length);
                for (float p : params) {
                    out.writeInt(Float.floatToRawIntBits(p));
                }
                out.writeInt(history.size());
                for (EpochStats e : history) {
                    out.writeInt(e.epoch());
                    out.writeDouble(e.trainLoss());
                    out.writeDouble(e.validationLoss());
                    out.writeDouble(e.validationAccuracy());
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        static Outcome read(Path file) throws IOException {
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
                long steps = in.readLong();
                int chosen = in.readInt();
                float[] p = new float[in.readInt()];
                for (int i = 0; i < p.length; i++) {
                    p[i] = Float.intBitsToFloat(in.readInt());
                }
                int h = in.readInt();
                List<EpochStats> hist = new ArrayList<>();
                for (int i = 0; i < h; i++) {
                    hist.add(new EpochStats(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble()));
                }
                return new Outcome(steps, chosen, p, hist);
            }
        }
    }
}
