/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BlockQuantizedLinears;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.Batch;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.programs.TrainStep;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * {@code loradrop bench --profile}: ONNX Runtime's per-kernel profile of the training step (float base, float base
 * quantized at load with either backward, the int8 export when given) and of the prediction program, at sequence
 * length 64 and batch 32, aggregated per op type: time per step, share of the step, and GFLOP/s of the matrix ops
 * against the MatMul roofline of the same run. Relative shares survive a shared machine's load; absolute times do not.
 * <p>
 * Steps of the variants are interleaved round-robin; each session writes its own trace, and the first
 * {@link #WARMUP} runs of each are left out.
 */
final class ProfileBench {
    /** Runs of each session left out of its profile (arena growth, first-run planning). */
    static final int WARMUP = 2;
    /** Op types whose FLOPs the profile counts (2·M·K·N from the kernel's input and output shapes). */
    static final Set<String> MATRIX_OPS = Set.of("MatMul", "Gemm", "FusedMatMul", "MatMulInteger", "MatMulIntegerToFloat",
            "DynamicQuantizeMatMul", "MatMulNBits", "FusedGemm", "QGemm");
    /**
     * Kernels that only the frozen Linear layers of a quantized base run (their weight is always an initializer).
     */
    static final Set<String> QUANTIZED_GEMMS = Set.of("MatMulInteger", "MatMulIntegerToFloat", "DynamicQuantizeMatMul",
            "MatMulNBits", "QGemm");
    static final int SEQ = 64;
    static final int ROWS = 32;

    private ProfileBench() {}

    /**
     * Profiles every variant and returns the JSON tree; appends table rows.
     * @param variants the encoders to profile, by name.
     * @param threads intra-op threads.
     * @param steps profiled steps per variant (after the warm-up).
     * @param roofline the float MatMul roofline of this run (best call), GFLOP/s; the fractions use the mean of probe
     *                 calls interleaved with the steps instead.
     * @param dir the folder the traces go to.
     * @param table receives the rows of the printed table.
     */
    static Map<String, Object> run(Map<String, EncoderModel> variants, int threads, int steps, double roofline,
                                   Path dir, List<String[]> table) throws Exception {
        Files.createDirectories(dir);
        LoraConfig lc = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.INPUT, 0.1, true);
        EncoderModel first = variants.values().iterator().next();
        Batch batch = BenchCommand.syntheticBatch(ROWS, SEQ, first.vocabSize(), 0);
        ClassifierSpec spec = new ClassifierSpec(lc, Pooling.MEAN, 26, 0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seq", SEQ);
        out.put("batch", ROWS);
        out.put("dropout", "INPUT p=0.1, LoRA r=8 on query,value");
        out.put("profiled_runs", steps);
        out.put("roofline_gflops_best", BenchCommand.round(roofline, 1));
        Map<String, Object> train = new LinkedHashMap<>();
        Map<String, Object> predict = new LinkedHashMap<>();
        String previous = System.getProperty("loradrop.profile");
        List<TrainStep> trainSteps = new ArrayList<>();
        List<Predict> predicts = new ArrayList<>();
        List<String> predictNames = new ArrayList<>();
        float[] params = null;
        try {
            for (Map.Entry<String, EncoderModel> e : variants.entrySet()) {
                System.setProperty("loradrop.profile", dir.resolve("train-" + e.getKey()).toString());
                TrainStep t = new TrainStep(e.getValue(), spec, AdamWConfig.defaults(), 1, threads);
                trainSteps.add(t);
                if (params == null) {
                    params = t.layout().initialize(new SplittableRandom(1));
                    for (int i = 0; i < params.length; i++) {
                        if (params[i] == 0f) {
                            params[i] = 0.01f * (float) Math.sin(i);
                        }
                    }
                }
                t.setState(params, null, null);
                if (!Int8Bench.predictsLikeAnother(e.getKey(), variants)) {
                    for (QuantizedMerge qm : Int8Bench.hasRequantizedForm(e.getValue()) ? QuantizedMerge.values() : new QuantizedMerge[]{QuantizedMerge.DEFAULT}) {
                        String name = e.getKey() + (qm == QuantizedMerge.REQUANTIZE ? "_requantize" : "");
                        System.setProperty("loradrop.profile", dir.resolve("predict-" + name).toString());
                        predicts.add(new Predict(e.getValue(), spec, params, true, qm, threads));
                        predictNames.add(name);
                    }
                }
            }
        } finally {
            if (previous == null) {
                System.clearProperty("loradrop.profile");
            } else {
                System.setProperty("loradrop.profile", previous);
            }
        }
        try (BenchCommand.Roofline roof = new BenchCommand.Roofline(threads)) {
            // The roofline probe runs between the variants' steps, so that it sees the same load they do.
            double roofSeconds = 0;
            int roofCalls = 0;
            long[] trainNanos = new long[trainSteps.size()];
            for (int s = 0; s < WARMUP + steps; s++) {
                for (int k = 0; k < trainSteps.size(); k++) {
                    long t0 = System.nanoTime();
                    trainSteps.get(k).step(batch, s + 1, 1e-4f, 0);
                    if (s >= WARMUP) {
                        trainNanos[k] += System.nanoTime() - t0;
                    }
                    double r = roof.seconds();
                    if (s >= WARMUP) {
                        roofSeconds += r;
                        roofCalls++;
                    }
                }
            }
            roofline = roof.flops() * roofCalls / roofSeconds / 1e9;
            out.put("roofline_gflops_interleaved", BenchCommand.round(roofline, 1));
            table.add(new String[]{"MatMul roofline between the steps (mean)", "", String.format("%.1f GFLOP/s", roofline), ""});
            long[] predictNanos = new long[predicts.size()];
            for (int s = 0; s < WARMUP + 2 * steps; s++) {
                for (int k = 0; k < predicts.size(); k++) {
                    long t0 = System.nanoTime();
                    predicts.get(k).probabilities(batch);
                    if (s >= WARMUP) {
                        predictNanos[k] += System.nanoTime() - t0;
                    }
                }
            }
            int k = 0;
            double floatTrain = 0;
            double floatGemm = 0;
            for (String name : variants.keySet()) {
                Path trace = Path.of(trainSteps.get(k).endProfiling());
                Map<String, Object> p = summarize(trace, roofline, WARMUP);
                double exPerS = ROWS / (trainNanos[k] / 1e9 / steps);
                if (k == 0) {
                    floatTrain = exPerS;
                }
                if (k == 0) {
                    floatGemm = (Double) p.get("frozen_gemm_ms");
                }
                p.put("examples_per_s_wall", BenchCommand.round(exPerS, 2));
                p.put("speedup_vs_" + variants.keySet().iterator().next(), BenchCommand.round(exPerS / floatTrain, 3));
                // The frozen layers' GEMMs are the only work a quantized base changes: their ratio bounds the step's
                // speed-up however much of the shared float work (attention, elementwise chains) is removed.
                p.put("frozen_gemm_speedup_vs_" + variants.keySet().iterator().next(),
                        BenchCommand.round(floatGemm / (Double) p.get("frozen_gemm_ms"), 3));
                p.put("roofline_fraction", BenchCommand.round(
                        BenchCommand.trainFlops(variants.get(name), ROWS, SEQ) / (trainNanos[k] / 1e9 / steps) / 1e9 / roofline, 3));
                p.put("trace", trace.toString());
                train.put(name, p);
                addRows(table, "train " + name, p);
                k++;
            }
            double floatPredict = 0;
            double floatPredictGemm = 0;
            for (k = 0; k < predicts.size(); k++) {
                Path trace = Path.of(predicts.get(k).endProfiling());
                Map<String, Object> p = summarize(trace, roofline, WARMUP);
                double exPerS = ROWS / (predictNanos[k] / 1e9 / (2 * steps));
                if (k == 0) {
                    floatPredict = exPerS;
                }
                if (k == 0) {
                    floatPredictGemm = (Double) p.get("frozen_gemm_ms");
                }
                p.put("examples_per_s_wall", BenchCommand.round(exPerS, 1));
                p.put("speedup_vs_" + predictNames.get(0), BenchCommand.round(exPerS / floatPredict, 3));
                p.put("frozen_gemm_speedup_vs_" + predictNames.get(0),
                        BenchCommand.round(floatPredictGemm / (Double) p.get("frozen_gemm_ms"), 3));
                p.put("trace", trace.toString());
                predict.put(predictNames.get(k), p);
                addRows(table, "predict " + predictNames.get(k), p);
            }
        } finally {
            for (TrainStep t : trainSteps) {
                t.close();
            }
            for (Predict p : predicts) {
                p.close();
            }
        }
        out.put("train", train);
        out.put("predict", predict);
        return out;
    }

    private static void addRows(List<String[]> table, String title, Map<String, Object> p) {
        table.add(new String[]{title, String.format("%.1f ex/s", (Double) p.get("examples_per_s_wall")),
                String.format("%.1f ms/run (kernels %.1f)", (Double) p.get("run_ms"), (Double) p.get("kernel_ms")),
                p.containsKey("roofline_fraction") ? String.format("%.0f%% of roofline", 100 * (Double) p.get("roofline_fraction")) : ""});
        String ceiling = p.keySet().stream().filter(key -> key.startsWith("frozen_gemm_speedup_vs_")).findFirst().orElse(null);
        table.add(new String[]{"  frozen Linear GEMMs / other kernels", String.format("%.2f ms", (Double) p.get("frozen_gemm_ms")),
                String.format("%.2f ms", (Double) p.get("other_kernel_ms")),
                ceiling == null ? "" : String.format("GEMMs %.2fx %s", (Double) p.get(ceiling), ceiling.substring("frozen_gemm_speedup_vs_".length()))});
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ops = (List<Map<String, Object>>) p.get("ops");
        for (Map<String, Object> op : ops) {
            if ((Double) op.get("share") < 0.01) {
                continue;
            }
            Object gf = op.get("gflops");
            table.add(new String[]{"  " + op.get("op"), String.format("%.2f ms", (Double) op.get("ms_per_run")),
                    String.format("%.1f%%  x%s", 100 * (Double) op.get("share"), op.get("calls_per_run")),
                    gf == null ? "" : String.format("%.1f GFLOP/s (%.0f%% of roofline)", (Double) gf, 100 * (Double) op.get("roofline_fraction"))});
        }
    }

    /**
     * Aggregates an ONNX Runtime trace per op type.
     * @param trace the trace file.
     * @param roofline GFLOP/s of the float MatMul in this run.
     * @param warmup runs at the start of the trace to leave out.
     * @return run time, kernel time and the op table (op, calls per run, ms per run, share of kernel time, GFLOP/s).
     */
    static Map<String, Object> summarize(Path trace, double roofline, int warmup) throws IOException {
        JsonNode events = new ObjectMapper().readTree(Files.readAllBytes(trace));
        List<JsonNode> runs = new ArrayList<>();
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                runs.add(e);
            }
        }
        runs.sort(Comparator.comparingLong(e -> e.path("ts").asLong()));
        if (runs.size() <= warmup) {
            throw new IllegalStateException("Trace " + trace + " holds " + runs.size() + " runs, fewer than the warm-up " + warmup);
        }
        long from = runs.get(warmup).path("ts").asLong();
        int counted = runs.size() - warmup;
        double runUs = 0;
        for (int i = warmup; i < runs.size(); i++) {
            runUs += runs.get(i).path("dur").asLong();
        }
        Map<String, double[]> perOp = new TreeMap<>(); // op -> {us, calls, flops}
        double kernelUs = 0;
        double frozenUs = 0;
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")
                    || e.path("ts").asLong() < from) {
                continue;
            }
            String op = e.path("args").path("op_name").asText("?");
            double[] acc = perOp.computeIfAbsent(op, x -> new double[3]);
            long dur = e.path("dur").asLong();
            acc[0] += dur;
            acc[1]++;
            acc[2] += MATRIX_OPS.contains(op) ? matrixFlops(e.path("args")) : 0;
            kernelUs += dur;
            if (isFrozenGemm(op, e.path("name").asText(), e.path("args"))) {
                frozenUs += dur;
            }
        }
        List<Map<String, Object>> ops = new ArrayList<>();
        for (Map.Entry<String, double[]> e : perOp.entrySet()) {
            double[] a = e.getValue();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("op", e.getKey());
            r.put("calls_per_run", Math.round(a[1] / counted));
            r.put("ms_per_run", BenchCommand.round(a[0] / counted / 1e3, 3));
            r.put("share", BenchCommand.round(a[0] / kernelUs, 4));
            if (a[2] > 0 && a[0] > 0) {
                double gflops = a[2] / (a[0] / 1e6) / 1e9;
                r.put("gflop_per_run", BenchCommand.round(a[2] / counted / 1e9, 3));
                r.put("gflops", BenchCommand.round(gflops, 1));
                r.put("roofline_fraction", BenchCommand.round(gflops / roofline, 3));
            }
            ops.add(r);
        }
        ops.sort(Comparator.comparingDouble((Map<String, Object> r) -> (Double) r.get("ms_per_run")).reversed());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runs", counted);
        out.put("run_ms", BenchCommand.round(runUs / counted / 1e3, 2));
        out.put("kernel_ms", BenchCommand.round(kernelUs / counted / 1e3, 2));
        out.put("frozen_gemm_ms", BenchCommand.round(frozenUs / counted / 1e3, 2));
        out.put("other_kernel_ms", BenchCommand.round((kernelUs - frozenUs) / counted / 1e3, 2));
        out.put("ops", ops);
        return out;
    }

    /**
     * Whether a kernel is a GEMM of a frozen Linear layer: an integer or 4-bit kernel, or a float matrix kernel whose
     * weight is an initializer (ONNX Runtime's trace lists only the inputs that are not, so such a kernel shows one).
     * Attention's batched products and LoRA's small products have two listed inputs. A 4-bit layer's input gradient
     * multiplies by a weight dequantized during the step, so it is found by its node name instead.
     * @param op the op type.
     * @param event the event's name ({@code <node>_kernel_time}).
     * @param args the event's arguments.
     * @return true for a frozen Linear's GEMM.
     */
    static boolean isFrozenGemm(String op, String event, JsonNode args) {
        return QUANTIZED_GEMMS.contains(op)
                || MATRIX_OPS.contains(op) && event.contains(BlockQuantizedLinears.INPUT_GRADIENT_SUFFIX)
                || MATRIX_OPS.contains(op) && args.path("input_type_shape").isArray() && args.path("input_type_shape").size() == 1;
    }

    /**
     * 2·M·K·N of a matrix kernel from the shapes in its trace event: the output gives the batch, M and N; K is the
     * product of the first input's last two dimensions over M (right whether or not that input is transposed).
     */
    static double matrixFlops(JsonNode args) {
        long[] a = shape(args.path("input_type_shape"), 0);
        long[] y = shape(args.path("output_type_shape"), 0);
        if (a == null || y == null || a.length < 1 || y.length < 1) {
            return 0;
        }
        double outElems = 1;
        for (long d : y) {
            outElems *= d;
        }
        long k;
        if (a.length == 1) {
            k = a[0];
        } else if (y.length >= 2 && y[y.length - 2] > 0) {
            long m = y[y.length - 2];
            long last2 = a[a.length - 1] * a[a.length - 2];
            k = a.length == y.length || a.length == 2 && y.length == 2 ? last2 / m : a[a.length - 1];
        } else {
            k = a[a.length - 1];
        }
        return 2.0 * outElems * k;
    }

    /** The shape of the i-th tensor of a trace's {@code [{"float":[dims]}, ...]} list, or null. */
    private static long[] shape(JsonNode list, int i) {
        if (!list.isArray() || list.size() <= i) {
            return null;
        }
        JsonNode entry = list.get(i);
        if (!entry.fields().hasNext()) {
            return null;
        }
        JsonNode dims = entry.fields().next().getValue();
        long[] s = new long[dims.size()];
        for (int d = 0; d < s.length; d++) {
            s[d] = dims.get(d).asLong();
        }
        return s;
    }
}
