/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.cli.Args;
import ai.loradrop.cli.CliCommand;
import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.Tensors;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.Batch;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.EnsemblePredict;
import ai.loradrop.programs.OrtSupport;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.TrainStep;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * {@code loradrop bench}: training and prediction throughput on all-MiniLM-L6-v2, the machine's MatMul roofline,
 * peak memory, and (with {@code --torch}) the PyTorch LoRA reference side by side. Prints a table and JSON.
 */
public final class BenchCommand implements CliCommand {
    /** Creates the command (for {@link java.util.ServiceLoader}). */
    public BenchCommand() {}

    static final String USAGE = "loradrop bench [--quick] [--json FILE] [--threads N] [--torch] [--base-model ONNX] [--int8-model ONNX]\n"
            + "       loradrop bench --profile [--profile-dir DIR] [--profile-steps N] [--json FILE] [--threads N] [--int8-model ONNX]\n"
            + "       loradrop bench --first-token [--quick] [--json FILE] [--threads N] [--base-model ONNX]";

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public String help() {
        return "usage: " + USAGE + "\n\n"
                + "Training and prediction throughput on all-MiniLM-L6-v2, the MatMul roofline and peak memory;\n"
                + "--torch adds the PyTorch LoRA reference (bench/torch-lora) side by side; the int8 rows quantize the\n"
                + "encoder at load and add --int8-model (an int8 export, e.g. all-minilm-l6-v2-q.onnx; by default the one\n"
                + "on the class path, if any).\n\n"
                + "--profile instead runs ONNX Runtime's profiler on the training step and the prediction program (seq 64,\n"
                + "batch 32; float base, int8 at load with float and int8 backward, the int8 export) and prints the time per\n"
                + "op type, its share of the step and the GFLOP/s of the matrix ops against the MatMul roofline (JSON with\n"
                + "--json; the raw traces go to --profile-dir, default a temporary folder).\n\n"
                + "--first-token runs only the comparison of FIRST_TOKEN ([CLS]) programs with the last layer pruned to the\n"
                + "first position against the whole layer (training step and prediction, seq 64, batch 32, paired calls;\n"
                + "part of the full run too), e.g. on --base-model bge-small-en-v1.5.onnx.";
    }

    @Override
    public int run(List<String> args, PrintStream stdout) throws Exception {
        return runBench(args);
    }

    static int runBench(List<String> args) throws Exception {
        Args a = Args.parse(args, List.of("--quick", "--torch", "--profile", "--first-token"), List.of("--json", "--threads", "--base-model", "--torch-out", "--int8-model",
                "--profile-dir", "--profile-steps"), USAGE);
        boolean quick = a.flag("--quick");
        int threads = a.intValue("--threads", Runtime.getRuntime().availableProcessors());
        Path onnx = a.has("--base-model") ? a.existingFile("--base-model") : BundledMiniLM.extract().onnx();
        EncoderModel enc = EncoderModel.load(onnx);
        Map<String, Object> out = new LinkedHashMap<>();
        List<String[]> table = new ArrayList<>();
        out.put("machine", machine(threads));
        out.put("model", onnx.getFileName().toString());
        if (a.flag("--first-token")) {
            out.put("first_token_pruning", FirstTokenBench.run(enc, threads, quick, table));
            return finish(a, out, table);
        }

        resetPeak();
        double roof = roofline(threads, quick);
        out.put("roofline_gflops", round(roof, 1));
        table.add(new String[]{"MatMul roofline", "", String.format("%.1f GFLOP/s", roof), ""});
        if (a.flag("--profile")) {
            Path dir = a.has("--profile-dir") ? Path.of(a.value("--profile-dir", null)) : Files.createTempDirectory("loradrop-profile");
            Map<String, EncoderModel> variants = Int8Bench.variants(enc, a.has("--int8-model") ? a.existingFile("--int8-model") : null);
            try {
                out.put("profile", ProfileBench.run(variants, threads, a.intValue("--profile-steps", quick ? 3 : 8), roof, dir, table));
            } finally {
                Int8Bench.deleteExtracted();
            }
            return finish(a, out, table);
        }

        // Prediction first, so that its peak RSS is measured before training's.
        resetPeak();
        Map<String, Object> predict = new LinkedHashMap<>();
        LoraConfig sparse = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.SPARSE, 0.1, true);
        ClassifierSpec spec = new ClassifierSpec(sparse, Pooling.MEAN, 26, 0);
        float[] params;
        try (TrainStep t = new TrainStep(enc, spec, AdamWConfig.defaults(), 1, threads)) {
            params = t.layout().initialize(new SplittableRandom(1));
            // Non-zero B so that merged and unmerged graphs do real LoRA work.
            for (int i = 0; i < params.length; i++) {
                if (params[i] == 0f) {
                    params[i] = 0.01f * (float) Math.sin(i);
                }
            }
        }
        Batch b64 = syntheticBatch(32, 64, enc.vocabSize(), 0);
        int reps = quick ? 5 : 20;
        double merged;
        double unmerged;
        double raw;
        try (Predict p = new Predict(enc, spec, params, true, threads)) {
            merged = timePerCall(() -> p.probabilities(b64), 3, reps);
            raw = rawOrt(p.model(), b64, threads, reps);
            double[] lat = latency(p, enc.vocabSize(), quick ? 50 : 300);
            predict.put("single_text_latency_ms_p50", round(lat[0] * 1e3, 2));
            predict.put("single_text_latency_ms_p99", round(lat[1] * 1e3, 2));
        }
        try (Predict p = new Predict(enc, spec, params, false, threads)) {
            unmerged = timePerCall(() -> p.probabilities(b64), 3, reps);
        }
        predict.put("merged_examples_per_s", round(32 / merged, 1));
        predict.put("unmerged_examples_per_s", round(32 / unmerged, 1));
        predict.put("raw_ort_examples_per_s", round(32 / raw, 1));
        for (int k : new int[]{4, 8}) {
            try (EnsemblePredict e = new EnsemblePredict(enc, spec, params, k, 7, threads)) {
                double t = timePerCall(() -> e.predict(b64), 2, Math.max(3, reps / k));
                predict.put("ensemble" + k + "_examples_per_s", round(32 / t, 1));
                predict.put("ensemble" + k + "_cost_ratio", round(t / merged, 3));
                predict.put("ensemble" + k + "_cost_ratio_vs_unmerged", round(t / unmerged, 3));
            }
        }
        long peakPredict = BenchChild.peakRss("predict", onnx, threads);
        predict.put("peak_rss_mb", peakPredict);
        out.put("predict", predict);
        out.put("predict_examples_per_s", predict.get("merged_examples_per_s"));
        out.put("predict_overhead_vs_raw_ort", round(merged / raw, 3));
        out.put("ensemble8_cost_ratio", predict.get("ensemble8_cost_ratio"));
        out.put("peak_rss_predict_mb", peakPredict);
        table.add(new String[]{"predict merged (seq 64, batch 32)", String.format("%.1f ex/s", 32 / merged),
                String.format("raw ORT %.1f ex/s", 32 / raw), String.format("overhead %.3f", merged / raw)});
        table.add(new String[]{"predict unmerged", String.format("%.1f ex/s", 32 / unmerged), "", ""});
        table.add(new String[]{"ensemble K=4 / K=8 cost vs merged", String.valueOf(predict.get("ensemble4_cost_ratio")),
                String.valueOf(predict.get("ensemble8_cost_ratio")), "x one pass"});
        table.add(new String[]{"single-text latency p50 / p99", predict.get("single_text_latency_ms_p50") + " ms",
                predict.get("single_text_latency_ms_p99") + " ms", ""});

        // Training.
        resetPeak();
        List<Map<String, Object>> training = new ArrayList<>();
        int[] seqs = quick ? new int[]{64} : new int[]{64, 128};
        DropoutMode[] modes = quick ? new DropoutMode[]{DropoutMode.INPUT} : DropoutMode.values();
        int[] ns = quick ? new int[]{1} : new int[]{1, 2};
        Double headline = null;
        Double headlineFraction = null;
        for (int seq : seqs) {
            for (DropoutMode mode : modes) {
                for (int n : ns) {
                    LoraConfig lc = new LoraConfig(8, 16, false, List.of("query", "value"), null, mode,
                            mode == DropoutMode.NONE ? 0 : 0.1, true);
                    ClassifierSpec s = new ClassifierSpec(lc, Pooling.MEAN, 26, 0);
                    Batch b = syntheticBatch(32, seq, enc.vocabSize(), 1);
                    try (TrainStep t = new TrainStep(enc, s, AdamWConfig.defaults(), n, threads)) {
                        t.setState(t.layout().initialize(new SplittableRandom(0)), null, null);
                        long[] step = {0};
                        double per = timePerCall(() -> t.step(b, ++step[0], 1e-3f, 0), 2, quick ? 4 : 8);
                        double flops = trainFlops(enc, 32L * n, seq);
                        Map<String, Object> r = new LinkedHashMap<>();
                        r.put("seq", seq);
                        r.put("dropout_mode", mode.name());
                        r.put("dropout_samples", n);
                        r.put("examples_per_s", round(32 / per, 2));
                        r.put("tokens_per_s", round(32.0 * seq / per, 0));
                        r.put("gflops", round(flops / per / 1e9, 1));
                        r.put("roofline_fraction", round(flops / per / 1e9 / roof, 3));
                        training.add(r);
                        table.add(new String[]{String.format("train seq %d %s N=%d", seq, mode, n),
                                String.format("%.1f ex/s", 32 / per), String.format("%.0f tok/s", 32.0 * seq / per),
                                String.format("%.0f%% of roofline", 100 * flops / per / 1e9 / roof)});
                        if (seq == 64 && mode == DropoutMode.INPUT && n == 1) {
                            headline = round(32 / per, 2);
                            headlineFraction = round(flops / per / 1e9 / roof, 3);
                        }
                    }
                }
            }
        }
        // The PyTorch reference's protocol: real WordNet batches (max 64 word pieces, padded per batch), INPUT p = 0.1.
        Map<String, Object> wordnet = wordnetTraining(enc, threads, quick, roof);
        long peakTrainAll = peakRssMb();
        // Memory of a real training process (one configuration: seq 64, batch 32, INPUT p = 0.1), measured in a
        // child JVM: this process has built a dozen training graphs by now.
        long peakTrain = BenchChild.peakRss("train", onnx, threads);
        out.put("peak_rss_bench_process_mb", peakTrainAll);
        out.put("training", training);
        out.put("training_wordnet_batches", wordnet);
        out.put("train_examples_per_s_seq64_full", headline);
        out.put("train_roofline_fraction_seq64_full", headlineFraction);
        headline = (Double) wordnet.get("examples_per_s");
        headlineFraction = (Double) wordnet.get("roofline_fraction");
        out.put("train_examples_per_s", headline);
        out.put("train_roofline_fraction", headlineFraction);
        table.add(new String[]{"train WordNet batches INPUT p=0.1 (torch protocol)", String.format("%.1f ex/s", headline),
                String.format("mean seq %s", wordnet.get("mean_padded_seq")), String.format("%.0f%% of roofline", 100 * headlineFraction)});
        out.put("peak_rss_train_mb", peakTrain);
        // Int8 frozen base: the float encoder quantized at load (and the int8 export when on the class path), trained
        // on the same WordNet batches with steps interleaved with the float base's, and predicting the same batch.
        Map<String, Object> int8 = Int8Bench.run(enc, spec, params, b64, threads, quick,
                a.has("--int8-model") ? a.existingFile("--int8-model") : null);
        out.put("int8", int8);
        Double int8Train = (Double) int8.get("train_examples_per_s");
        out.put("int8_train_examples_per_s", int8Train);
        out.put("int8_train_speedup_vs_float", int8.get("train_speedup_vs_float"));
        out.put("int8_predict_speedup_vs_float", int8.get("predict_speedup_vs_float"));
        out.put("int4_train_speedup_vs_float", int8.get("int4_train_speedup_vs_float"));
        out.put("int4_predict_speedup_vs_float", int8.get("int4_predict_speedup_vs_float"));
        Int8Bench.addRows(int8, table);
        out.put("first_token_pruning", FirstTokenBench.run(enc, threads, quick, table));
        Double torch = null;
        if (a.flag("--torch")) {
            torch = TorchReference.trainExamplesPerSecond(threads, a.value("--torch-out", null));
        }
        out.put("torch_train_examples_per_s", torch);
        out.put("train_speedup_vs_torch", torch == null || headline == null ? null : round(headline / torch, 3));
        out.put("int8_train_speedup_vs_torch", torch == null || int8Train == null ? null : round(int8Train / torch, 3));
        table.add(new String[]{"peak RSS train / predict", peakTrain + " MB", peakPredict + " MB", ""});
        if (torch != null) {
            table.add(new String[]{"PyTorch reference train", String.format("%.1f ex/s", torch),
                    String.format("speed-up %.2fx", headline / torch), ""});
        }
        out.put("tokenizers", TokenizerBench.run(TorchReference.scripts().getParent().getParent(), quick, table));
        return finish(a, out, table);
    }

    /** Prints the table and the JSON, and writes the JSON to {@code --json} when given. */
    private static int finish(Args a, Map<String, Object> out, List<String[]> table) throws IOException {
        printTable(table);
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
        System.out.println(json);
        if (a.has("--json")) {
            Path p = Path.of(a.value("--json", null));
            ai.loradrop.io.AtomicFiles.write(p, "benchmark results", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            System.err.println("Wrote " + p);
        }
        return 0;
    }

    /** Training throughput on real WordNet batches, as the PyTorch reference's speed probe measures it. */
    static Map<String, Object> wordnetTraining(EncoderModel enc, int threads, boolean quick, double roof) throws Exception {
        List<Batch> batches = new ArrayList<>();
        int labelCount = wordnetBatches(quick ? 6 : 12, batches);
        int steps = batches.size() - 1;
        LoraConfig lc = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.INPUT, 0.1, true);
        ClassifierSpec s = new ClassifierSpec(lc, Pooling.MEAN, labelCount, 0);
        Map<String, Object> r = new LinkedHashMap<>();
        try (TrainStep t = new TrainStep(enc, s, AdamWConfig.defaults(), 1, threads)) {
            t.setState(t.layout().initialize(new SplittableRandom(0)), null, null);
            t.step(batches.get(0), 1, 1e-4f, 0);
            double flops = 0;
            long tokens = 0;
            long t0 = System.nanoTime();
            for (int i = 1; i <= steps; i++) {
                Batch b = batches.get(i);
                t.step(b, i + 1, 1e-4f, 0);
                flops += trainFlops(enc, b.rows(), b.seq());
                tokens += (long) b.rows() * b.seq();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            r.put("steps", steps);
            r.put("examples_per_s", round(32.0 * steps / secs, 2));
            r.put("padded_tokens_per_s", round(tokens / secs, 0));
            r.put("mean_padded_seq", round(tokens / (32.0 * steps), 1));
            r.put("gflops", round(flops / secs / 1e9, 1));
            r.put("roofline_fraction", round(flops / secs / 1e9 / roof, 3));
        }
        return r;
    }

    /**
     * The first {@code steps + 1} batches of 32 shuffled WordNet training glosses (max 64 word pieces, padded per
     * batch), as the PyTorch reference's speed probe takes them.
     * @return the number of labels.
     */
    static int wordnetBatches(int steps, List<Batch> batches) throws Exception {
        Path data = TorchReference.scripts().getParent().getParent().resolve("examples").resolve("data").resolve("wordnet-supersenses").resolve("train.csv");
        ai.loradrop.text.Tokenizer tok = ai.loradrop.text.Tokenizer.fromFile(BundledMiniLM.extract().tokenizer());
        List<ai.loradrop.train.EncodedExample> ex = new ArrayList<>();
        ai.loradrop.tribuo.data.TextDataSource src = new ai.loradrop.tribuo.data.TextDataSource(data);
        Map<String, Integer> labels = new java.util.TreeMap<>();
        for (org.tribuo.Example<org.tribuo.classification.Label> e : src) {
            labels.putIfAbsent(e.getOutput().getLabel(), labels.size());
            ai.loradrop.text.Encoding en = tok.encode((String) e.getMetadataValue("text").orElseThrow(), 64);
            ex.add(new ai.loradrop.train.EncodedExample(en.inputIds(), en.typeIds(), labels.get(e.getOutput().getLabel()), 1f));
        }
        java.util.Collections.shuffle(ex, new Random(0));
        for (int s = 0; s <= steps; s++) {
            int[] idx = new int[32];
            for (int i = 0; i < 32; i++) {
                idx[i] = s * 32 + i;
            }
            batches.add(ai.loradrop.train.Batcher.toBatch(ex, idx, tok.padId(), true));
        }
        return labels.size();
    }

    interface Call {
        void run() throws Exception;
    }

    static double timePerCall(Call c, int warmup, int reps) throws Exception {
        for (int i = 0; i < warmup; i++) {
            c.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            c.run();
        }
        return (System.nanoTime() - t0) / 1e9 / reps;
    }

    static Batch syntheticBatch(int rows, int seq, long vocab, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[rows * seq];
        long[] mask = new long[rows * seq];
        long[] labels = new long[rows];
        float[] w = new float[rows];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + r.nextInt((int) Math.max(1, Math.min(vocab, 30000) - 1000));
            mask[i] = 1;
        }
        for (int i = 0; i < rows; i++) {
            ids[i * seq] = 101;
            ids[i * seq + seq - 1] = 102;
            labels[i] = i % 26;
            w[i] = 1f;
        }
        return new Batch(rows, seq, ids, mask, new long[rows * seq], labels, w);
    }

    /** Forward + backward FLOPs of one training step (frozen weights get no gradient, so backward ≈ one more pass). */
    static double trainFlops(EncoderModel enc, long rows, int seq) {
        double linear = 0;
        int layers = 0;
        for (LinearModule m : enc.linears()) {
            linear += 2.0 * m.inFeatures() * m.outFeatures();
            if (m.path().endsWith("attention.self.query")) {
                layers++;
            }
        }
        double attention = layers * 4.0 * seq * enc.hiddenSize();
        double tokens = rows * (double) seq;
        return tokens * (2 * linear + 3 * attention);
    }

    static double rawOrt(ModelProto model, Batch b, int threads, int reps) throws Exception {
        try (OrtSession s = OrtSupport.session(model, threads);
             OnnxTensor ids = OrtSupport.longs(b.inputIds(), b.rows(), b.seq());
             OnnxTensor mask = OrtSupport.longs(b.attentionMask(), b.rows(), b.seq());
             OnnxTensor types = OrtSupport.longs(b.tokenTypeIds(), b.rows(), b.seq())) {
            Map<String, OnnxTensor> feeds = new HashMap<>();
            feeds.put("input_ids", ids);
            feeds.put("attention_mask", mask);
            if (s.getInputNames().contains("token_type_ids")) {
                feeds.put("token_type_ids", types);
            }
            return timePerCall(() -> {
                try (OrtSession.Result r = s.run(feeds, java.util.Set.of(Predict.PROBABILITIES))) {
                    r.get(0);
                }
            }, 3, reps);
        }
    }

    static double[] latency(Predict p, long vocab, int n) throws Exception {
        Batch one = syntheticBatch(1, 16, vocab, 3);
        double[] t = new double[n];
        for (int i = 0; i < 5; i++) {
            p.probabilities(one);
        }
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            p.probabilities(one);
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return new double[]{t[n / 2], t[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)]};
    }

    static double roofline(int threads, boolean quick) throws OrtException {
        try (Roofline r = new Roofline(threads)) {
            double best = Double.MAX_VALUE;
            for (int i = 0; i < (quick ? 8 : 20); i++) {
                best = Math.min(best, r.seconds());
            }
            return r.flops() / best / 1e9;
        }
    }

    /** The roofline probe: one 2048×1024 · 1024×1024 float MatMul through ONNX Runtime. */
    static final class Roofline implements AutoCloseable {
        private static final int M = 2048;
        private static final int K = 1024;
        private static final int N = 1024;
        private final OrtSession session;
        private final OnnxTensor a;
        private final OnnxTensor b;

        Roofline(int threads) throws OrtException {
            ModelProto model = ModelProto.newBuilder().setIrVersion(8)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                    .setGraph(GraphProto.newBuilder().setName("mm")
                            .addNode(NodeProto.newBuilder().setOpType("MatMul").addInput("a").addInput("b").addOutput("c"))).build();
            Graph g = new Graph(model, "/r/");
            g.addInput("a", Tensors.FLOAT, (long) M, (long) K);
            g.addInput("b", Tensors.FLOAT, (long) K, (long) N);
            g.addOutput("c", Tensors.FLOAT);
            float[] av = new float[M * K];
            float[] bv = new float[K * N];
            Random r = new Random(0);
            for (int i = 0; i < av.length; i++) {
                av[i] = r.nextFloat();
            }
            for (int i = 0; i < bv.length; i++) {
                bv[i] = r.nextFloat();
            }
            OrtSession s = OrtSupport.session(g.toModel("mm"), threads);
            try {
                this.a = OrtSupport.floats(av, M, K);
                this.b = OrtSupport.floats(bv, K, N);
            } catch (OrtException | RuntimeException e) {
                s.close();
                throw e;
            }
            this.session = s;
        }

        /** FLOPs of one call. */
        double flops() {
            return 2.0 * M * K * N;
        }

        /** Seconds one call takes. */
        double seconds() throws OrtException {
            long t0 = System.nanoTime();
            try (OrtSession.Result res = session.run(Map.of("a", a, "b", b))) {
                res.get(0);
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        @Override
        public void close() throws OrtException {
            a.close();
            b.close();
            session.close();
        }
    }

    static Map<String, Object> machine(int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("threads", threads);
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        m.put("integer_kernel_features", Int8Bench.cpuFeatures());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
                    break;
                }
            }
        } catch (IOException e) {
            m.put("cpu", "unknown");
        }
        return m;
    }

    static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // Not Linux or not permitted: the peak then covers the whole run so far.
        }
    }

    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static void printTable(List<String[]> rows) {
        int[] w = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < 4; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            System.out.printf("%-" + w[0] + "s | %" + Math.max(1, w[1]) + "s | %" + Math.max(1, w[2]) + "s | %s%n", r[0], r[1], r[2], r[3]);
        }
    }
}
