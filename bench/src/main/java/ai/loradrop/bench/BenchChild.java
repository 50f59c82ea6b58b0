/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.Batch;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.TrainStep;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A separate JVM that trains or predicts with one configuration and prints its peak resident memory, so the
 * benchmark's memory figures are those of a real training or serving process, not of the benchmark itself.
 */
final class BenchChild {
    private BenchChild() {}

    /**
     * Entry point: {@code train|predict ONNX THREADS}; prints {@code peak_rss_mb=N}.
     * @param args the arguments.
     * @throws Exception on failure.
     */
    public static void main(String[] args) throws Exception {
        EncoderModel enc = EncoderModel.load(Path.of(args[1]));
        int threads = Integer.parseInt(args[2]);
        LoraConfig lc = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.INPUT, 0.1, true);
        ClassifierSpec spec = new ClassifierSpec(lc, Pooling.MEAN, 26, 0);
        Batch b = BenchCommand.syntheticBatch(32, 64, enc.vocabSize(), 1);
        if (args[0].equals("train")) {
            try (TrainStep t = new TrainStep(enc, spec, AdamWConfig.defaults(), 1, threads)) {
                t.setState(t.layout().initialize(new SplittableRandom(0)), null, null);
                for (int s = 1; s <= 6; s++) {
                    t.step(b, s, 1e-3f, 0);
                }
            }
        } else {
            float[] params;
            try (TrainStep t = new TrainStep(enc, spec, AdamWConfig.defaults(), 1, threads)) {
                params = t.layout().initialize(new SplittableRandom(0));
            }
            BenchCommand.resetPeak();
            try (Predict p = new Predict(enc, spec, params, true, threads)) {
                for (int i = 0; i < 20; i++) {
                    p.probabilities(b);
                }
            }
        }
        System.out.println("peak_rss_mb=" + BenchCommand.peakRssMb());
    }

    /**
     * Runs a child and returns its peak RSS.
     * @param what train or predict.
     * @param onnx the encoder file.
     * @param threads the thread count.
     * @return the peak in MB, or -1 when it could not be measured.
     */
    static long peakRss(String what, Path onnx, int threads) {
        try {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx1g", BenchChild.class.getName(), what, onnx.toString(),
                    String.valueOf(threads)).redirectError(ProcessBuilder.Redirect.DISCARD);
            // Through the environment, not -cp: ONNX Runtime 1.29 crashes natively when an argument is ~4,000
            // characters long, and a full class path is.
            pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            for (String line : out.split("\n")) {
                if (line.startsWith("peak_rss_mb=")) {
                    return Long.parseLong(line.substring("peak_rss_mb=".length()).trim());
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
