/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.Batch;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.TrainStep;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What first-token pruning ({@link ai.loradrop.onnx.FirstTokenPruning}) saves: a {@code FIRST_TOKEN} program with the
 * last layer pruned against the same program computing the whole layer, seq 64, batch 32. Calls alternate between the
 * two (the order flips every pair), and the reported ratio is the median of the per-pair time ratios, so a neighbour's
 * load that comes and goes during the run affects both sides of a pair alike.
 */
final class FirstTokenBench {
    private FirstTokenBench() {}

    /**
     * Measures prediction and training.
     * @param enc the encoder.
     * @param threads ONNX Runtime threads.
     * @param quick fewer pairs.
     * @param table rows are added here.
     * @return the JSON section: the time ratios pruned / whole (below 1 is faster) and whether the encoder's last layer
     *         could be pruned at all.
     * @throws Exception on failure.
     */
    static Map<String, Object> run(EncoderModel enc, int threads, boolean quick, List<String[]> table) throws Exception {
        LoraConfig lora = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.INPUT, 0.1, true);
        ClassifierSpec spec = new ClassifierSpec(lora, Pooling.FIRST_TOKEN, 26, 0);
        Batch b = BenchCommand.syntheticBatch(32, 64, enc.vocabSize(), 3);
        EncoderModel whole = enc.withFirstTokenPruning(false);
        EncoderModel pruned = enc.withFirstTokenPruning(true);
        Map<String, Object> out = new LinkedHashMap<>();
        float[] params;
        double trainRatio;
        try (TrainStep w = new TrainStep(whole, spec, AdamWConfig.defaults(), 1, threads);
             TrainStep p = new TrainStep(pruned, spec, AdamWConfig.defaults(), 1, threads)) {
            params = w.layout().initialize(new SplittableRandom(1));
            w.setState(params, null, null);
            p.setState(params, null, null);
            boolean differs = p.model().getGraph().getNodeCount() != w.model().getGraph().getNodeCount();
            out.put("pruned", differs);
            long[] step = {0};
            trainRatio = pairedRatio(() -> p.step(b, ++step[0], 0f, 1), () -> w.step(b, step[0], 0f, 1), quick ? 4 : 10);
        }
        double predictRatio;
        try (Predict w = new Predict(whole, spec, params, true, threads);
             Predict p = new Predict(pruned, spec, params, true, threads)) {
            predictRatio = pairedRatio(() -> p.probabilities(b), () -> w.probabilities(b), quick ? 10 : 30);
        }
        out.put("pooling", Pooling.FIRST_TOKEN.name());
        out.put("seq", 64);
        out.put("batch", 32);
        out.put("train_time_ratio", BenchCommand.round(trainRatio, 3));
        out.put("predict_time_ratio", BenchCommand.round(predictRatio, 3));
        table.add(new String[]{"FIRST_TOKEN last layer pruned / whole, training step", String.format("%.3fx time", trainRatio),
                "paired median", (Boolean) out.get("pruned") ? "" : "not prunable"});
        table.add(new String[]{"FIRST_TOKEN last layer pruned / whole, prediction", String.format("%.3fx time", predictRatio),
                "paired median", ""});
        return out;
    }

    /** The median over pairs of time(a) / time(b), the order flipping every pair, after one warm-up pair. */
    static double pairedRatio(BenchCommand.Call a, BenchCommand.Call b, int pairs) throws Exception {
        a.run();
        b.run();
        double[] r = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            double ta;
            double tb;
            if (i % 2 == 0) {
                ta = time(a);
                tb = time(b);
            } else {
                tb = time(b);
                ta = time(a);
            }
            r[i] = ta / tb;
        }
        Arrays.sort(r);
        return pairs % 2 == 1 ? r[pairs / 2] : (r[pairs / 2 - 1] + r[pairs / 2]) / 2;
    }

    private static double time(BenchCommand.Call c) throws Exception {
        long t0 = System.nanoTime();
        c.run();
        return System.nanoTime() - t0;
    }
}
