/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.io.AtomicFiles;
import ai.loradrop.tribuo.LoraDropTrainer;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A sweep over trainer configurations: every run of a {@link SweepGrid} trained and evaluated on {@link SweepData},
 * each run's report (with its provenance, and its model on request) kept in its own folder
 * {@code OUTPUT/runs/<hash>/}, named by the run's configuration hash. A sweep that was killed resumes: runs whose
 * report exists are read back instead of trained again; several processes may share one output folder (with resume),
 * each run being trained under a lock on its folder. The best run is chosen on the dev set ({@link Selection}).
 * <pre>{@code
 * SweepGrid grid = SweepGrid.load(Path.of("grid.json"));
 * SweepResult r = new Sweep(grid, LoraDropTrainer.builder(onnx, tokenizer).build(),
 *         new SweepData(train, dev, test), Path.of("sweep-out"), true, false).run();
 * r.writeAll(Path.of("sweep-out"));   // results.md, results.csv, results.json, report.html
 * }</pre>
 */
public final class Sweep {
    private static final Logger logger = Logger.getLogger(Sweep.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The folder of the runs inside the output folder. */
    public static final String RUNS = "runs";
    /** A run's report file inside its folder. */
    public static final String REPORT = "report.json";
    /** A run's model file inside its folder (when models are kept). */
    public static final String MODEL = "model.tribuo";
    /** A run folder's lock file, held while the run trains (released by the system if the process dies). */
    public static final String LOCK = ".lock";
    /** The sweep's description written at its start. */
    public static final String MANIFEST = "sweep.json";
    /** Version of the run hash's input; a change makes every earlier run a different run. */
    static final int HASH_FORMAT = 1;

    private final SweepGrid grid;
    private final LoraDropTrainer base;
    private final SweepData data;
    private final Path outputDir;
    private final boolean resume;
    private final boolean saveModels;
    private Consumer<String> progress = logger::info;
    private boolean reportOnly = false;

    /**
     * A sweep.
     * @param grid the grid.
     * @param base the base trainer (its settings apply unless the grid replaces them).
     * @param data the data.
     * @param outputDir the output folder: new or empty, or a folder of this sweep with {@code resume}.
     * @param resume whether to keep finished runs of an earlier, interrupted sweep into the same folder.
     * @param saveModels whether to keep each run's model ({@code model.tribuo} in its folder).
     */
    public Sweep(SweepGrid grid, LoraDropTrainer base, SweepData data, Path outputDir, boolean resume, boolean saveModels) {
        this.grid = grid;
        this.base = base;
        this.data = data;
        this.outputDir = outputDir;
        this.resume = resume;
        this.saveModels = saveModels;
        if (grid.folds() == 0 && data.dev() == null) {
            throw new IllegalArgumentException("A sweep selects on the dev set: give a dev set (or use k-fold cross-validation)");
        }
    }

    /**
     * Sets where progress lines go (default: this class's logger at INFO).
     * @param sink the consumer of progress lines.
     * @return this sweep.
     */
    public Sweep progress(Consumer<String> sink) {
        this.progress = sink;
        return this;
    }

    /**
     * Makes {@link #run()} train nothing: it reads the runs finished so far (by this or another process) and returns
     * them, so that the tables of a sweep still running, or stopped for good, can be written.
     * @param only whether to skip training.
     * @return this sweep.
     */
    public Sweep reportOnly(boolean only) {
        this.reportOnly = only;
        return this;
    }

    /**
     * A run with its trainer settings and hash, checked before any training. The trainer itself is configured again
     * when the run trains, so that a large grid does not hold one trainer (and its encoder) per run in memory.
     */
    private record Planned(RunSpec spec, Map<String, String> settings, String hash) {}

    /**
     * Runs the sweep: checks every configuration first (unknown fields, invalid values, an unusable output folder),
     * then trains the runs not finished yet, in order.
     * @return the results, every run of the grid in sweep order.
     * @throws IOException when a report or model cannot be written.
     * @throws IllegalArgumentException when a configuration is invalid or the output folder is in use.
     */
    public SweepResult run() throws IOException {
        List<Planned> plan = plan();
        if (reportOnly) {
            List<Map<String, Object>> done = new ArrayList<>();
            for (Planned p : plan) {
                Map<String, Object> r = finished(p.hash());
                if (r != null) {
                    done.add(r);
                }
            }
            progress.accept(String.format(Locale.ROOT, "sweep: %d of %d runs finished in %s (report only, nothing trained)",
                    done.size(), plan.size(), outputDir));
            return new SweepResult(grid, done, Selection.select(scores(done)));
        }
        writeManifest(plan.size());

        RunExecutor executor = new RunExecutor(grid, data);
        List<Map<String, Object>> reports = new ArrayList<>();
        int reused = 0;
        for (Planned p : plan) {
            Map<String, Object> r = finished(p.hash());
            if (r != null) {
                reports.add(r);
                reused++;
            } else {
                reports.add(null);
            }
        }
        if (reused > 0) {
            progress.accept(String.format(Locale.ROOT, "sweep: %d of %d runs already finished in %s; resuming", reused,
                    plan.size(), outputDir));
        }
        long t0 = System.nanoTime();
        int trained = 0;
        int toTrain = plan.size() - reused;
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            if (reports.get(i) == null) {
                pending.add(i);
            }
        }
        // Each run is trained under a lock on its folder, so several sweep processes can share one output folder:
        // the first pass skips runs another process holds, the second waits for them and reads their reports.
        for (boolean wait : new boolean[] {false, true}) {
            List<Integer> deferred = new ArrayList<>();
            for (int i : pending) {
                Planned p = plan.get(i);
                Path dir = outputDir.resolve(RUNS).resolve(p.hash());
                Files.createDirectories(dir);
                try (FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock lock = wait ? channel.lock() : channel.tryLock()) {
                    if (lock == null) {
                        deferred.add(i);
                        continue;
                    }
                    Map<String, Object> done = finished(p.hash());
                    if (done != null) {
                        reports.set(i, done);
                        progress.accept(String.format(Locale.ROOT, "sweep: run %d/%d (%s) was finished by another sweep process",
                                i + 1, plan.size(), p.spec().label()));
                        continue;
                    }
                    reports.set(i, train(executor, p, i, plan.size(), dir));
                }
                trained++;
                double elapsed = (System.nanoTime() - t0) / 1e9;
                double eta = elapsed / trained * Math.max(0, toTrain - trained);
                long finishedNow = reports.stream().filter(java.util.Objects::nonNull).count();
                progress.accept(String.format(Locale.ROOT, "sweep: %d/%d runs done (%s: dev accuracy %s); ETA %s; best so far: %s",
                        finishedNow, plan.size(), p.spec().label(), fmt(Selection.DevScore.of(reports.get(i)).accuracy()),
                        duration(eta), bestSoFar(reports)));
            }
            pending = deferred;
        }
        List<Map<String, Object>> all = new ArrayList<>(reports);
        return new SweepResult(grid, all, Selection.select(scores(all)));
    }

    /** Every run of the grid with its settings and hash; fails on the first invalid configuration. */
    private List<Planned> plan() throws IOException {
        Map<String, Object> identity = identity();
        List<Planned> plan = new ArrayList<>();
        for (RunSpec s : grid.expand()) {
            plan.add(planned(s, identity));
        }
        return plan;
    }

    private Planned planned(RunSpec s, Map<String, Object> identity) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>(s.settings());
        settings.put(TrainerFields.SEED, Long.toString(s.seed()));
        LoraDropTrainer t;
        try {
            t = TrainerFields.configure(base, settings);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("run " + (s.index() + 1) + " (" + s.label() + "): " + e.getMessage(), e);
        }
        return new Planned(s, settings, hash(t, identity));
    }

    private void writeManifest(int runs) throws IOException {
        checkOutputDir();
        Files.createDirectories(outputDir.resolve(RUNS));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("grid", grid.toMap());
        manifest.put("data", identity());
        manifest.put("runs", runs);
        AtomicFiles.write(outputDir.resolve(MANIFEST), "sweep manifest", MAPPER.writeValueAsBytes(manifest));
    }

    /**
     * Prepares a sweep whose runs are trained elsewhere, one task per run (as {@code SparkSweep} does on a cluster),
     * with the same checks and files as {@link #run()}: every configuration is checked, the output folder too, and the
     * manifest is written. Each run is then trained by {@link #trainRun} (in any process holding an equal sweep) and
     * its report handed to {@link #record}.
     * @return the indices (in sweep order) of the runs still to train: all of them, or with resume those without a
     *         report.
     * @throws IOException when a report cannot be read or the manifest written.
     * @throws IllegalArgumentException when a configuration is invalid or the output folder is in use.
     */
    public List<Integer> prepare() throws IOException {
        List<Planned> plan = plan();
        writeManifest(plan.size());
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            if (finished(plan.get(i).hash()) == null) {
                pending.add(i);
            }
        }
        if (pending.size() < plan.size()) {
            progress.accept(String.format(Locale.ROOT, "sweep: %d of %d runs already finished in %s; resuming",
                    plan.size() - pending.size(), plan.size(), outputDir));
        }
        return pending;
    }

    /**
     * Trains and evaluates one run and returns its report, exactly the report {@link #run()} writes for it; writes
     * nothing itself except the run's model when models are kept ({@value #MODEL} in the run's folder, which must
     * then be reachable from this process).
     * @param index the run's index in sweep order.
     * @return the run's report.
     * @throws IOException when the model cannot be written.
     */
    public Map<String, Object> trainRun(int index) throws IOException {
        List<RunSpec> specs = grid.expand();
        if (index < 0 || index >= specs.size()) {
            throw new IllegalArgumentException("The sweep has runs 0 to " + (specs.size() - 1) + ", not " + index);
        }
        Planned p = planned(specs.get(index), identity());
        Path model = null;
        if (saveModels) {
            Path dir = outputDir.resolve(RUNS).resolve(p.hash());
            Files.createDirectories(dir);
            model = dir.resolve(MODEL);
        }
        return report(new RunExecutor(grid, data), p, index, specs.size(), model);
    }

    /**
     * Writes the reports of runs trained by {@link #trainRun} into their folders and returns the results of every
     * finished run of the sweep, as {@link #run()} does.
     * @param reports reports by run index.
     * @return the results, in sweep order.
     * @throws IOException when a report cannot be written or read.
     * @throws IllegalArgumentException when a report does not belong to its run.
     */
    public SweepResult record(Map<Integer, Map<String, Object>> reports) throws IOException {
        List<Planned> plan = plan();
        for (Map.Entry<Integer, Map<String, Object>> e : reports.entrySet()) {
            Planned p = plan.get(e.getKey());
            if (!p.hash().equals(e.getValue().get("config_hash"))) {
                throw new IllegalArgumentException("The report given for run " + (e.getKey() + 1) + " belongs to run "
                        + e.getValue().get("config_hash") + ", not " + p.hash());
            }
            Path dir = outputDir.resolve(RUNS).resolve(p.hash());
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(REPORT), "run report", MAPPER.writeValueAsBytes(e.getValue()));
        }
        List<Map<String, Object>> done = new ArrayList<>();
        for (Planned p : plan) {
            Map<String, Object> r = finished(p.hash());
            if (r != null) {
                done.add(r);
            }
        }
        progress.accept(String.format(Locale.ROOT, "sweep: %d of %d runs finished in %s", done.size(), plan.size(), outputDir));
        return new SweepResult(grid, done, Selection.select(scores(done)));
    }

    /** Trains and evaluates one run and writes its report. */
    private Map<String, Object> train(RunExecutor executor, Planned p, int i, int total, Path dir) throws IOException {
        Map<String, Object> report = report(executor, p, i, total, saveModels ? dir.resolve(MODEL) : null);
        AtomicFiles.write(dir.resolve(REPORT), "run report", MAPPER.writeValueAsBytes(report));
        return report;
    }

    /** Trains and evaluates one run and assembles its report. */
    private Map<String, Object> report(RunExecutor executor, Planned p, int i, int total, Path modelFile) throws IOException {
        progress.accept(String.format(Locale.ROOT, "sweep: run %d/%d (%s) starting", i + 1, total, p.spec().label()));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("command", "sweep");
        report.put("run", i + 1);
        report.put("label", p.spec().label());
        report.put("config_label", p.spec().configLabel());
        report.put("config_hash", p.hash());
        report.put("config", p.spec().settings());
        report.put("axes", p.spec().axisValues());
        report.put("seed", p.spec().seed());
        report.putAll(executor.run(TrainerFields.configure(base, p.settings()), modelFile));
        return report;
    }

    private static List<Selection.DevScore> scores(List<Map<String, Object>> reports) {
        List<Selection.DevScore> s = new ArrayList<>();
        for (Map<String, Object> r : reports) {
            if (r != null) {
                s.add(Selection.DevScore.of(r));
            }
        }
        return s;
    }

    private static String bestSoFar(List<Map<String, Object>> reports) {
        Selection s = Selection.select(scores(reports));
        if (s == null) {
            return "none";
        }
        List<Double> acc = new ArrayList<>();
        for (Map<String, Object> r : reports) {
            if (r != null && s.bestConfig().equals(r.get("config_label"))) {
                acc.add(Selection.DevScore.of(r).accuracy());
            }
        }
        return s.bestConfig() + " (dev accuracy " + fmt(acc.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN))
                + ", " + acc.size() + " run" + (acc.size() == 1 ? "" : "s") + ")";
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** A duration as {@code 1h02m}, {@code 3m05s} or {@code 12s}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }

    /** The report of a finished run, or null. */
    private Map<String, Object> finished(String hash) throws IOException {
        Path f = outputDir.resolve(RUNS).resolve(hash).resolve(REPORT);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        Map<String, Object> r = MAPPER.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        if (!hash.equals(r.get("config_hash"))) {
            throw new IOException(f + " belongs to run " + r.get("config_hash") + ", not " + hash + "; remove it or use another output folder");
        }
        return r;
    }

    private void checkOutputDir() throws IOException {
        if (!Files.exists(outputDir)) {
            return;
        }
        if (!Files.isDirectory(outputDir)) {
            throw new IllegalArgumentException("The output folder " + outputDir + " is a file");
        }
        if (resume) {
            return;
        }
        try (Stream<Path> s = Files.list(outputDir)) {
            if (s.findAny().isPresent()) {
                throw new IllegalArgumentException("The output folder " + outputDir + " is not empty; resume the sweep"
                        + " that wrote it (--resume) or choose a new folder");
            }
        }
    }

    /** The data identity and evaluation settings that every run's hash includes. */
    private Map<String, Object> identity() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("train", SweepData.digest(data.train()));
        m.put("dev", SweepData.digest(data.dev()));
        m.put("test", SweepData.digest(data.test()));
        m.put("train_examples", data.train().size());
        m.put("dev_examples", data.dev() == null ? 0 : data.dev().size());
        m.put("test_examples", data.test() == null ? 0 : data.test().size());
        return m;
    }

    /**
     * A run's configuration hash: SHA-256 (first 16 hex digits) of the trainer's whole configuration (every
     * {@code @Config} value as its provenance records it, including the encoder and tokenizer digests), the data
     * digests and the evaluation settings.
     */
    private String hash(LoraDropTrainer trainer, Map<String, Object> identity) throws IOException {
        Map<String, String> config = new TreeMap<>();
        trainer.getProvenance().getConfiguredParameters().forEach((k, v) -> config.put(k, String.valueOf(v)));
        // The instance values hold the SHA-256 of the encoder and tokenizer files (and a fresh trainer's invocation count, 0).
        trainer.getProvenance().getInstanceValues().forEach((k, v) -> config.put("instance:" + k, String.valueOf(v)));
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("format", HASH_FORMAT);
        all.put("trainer", config);
        all.put("data", identity);
        all.put("ensembleSize", grid.ensembleSize());
        all.put("maxEnsembleSize", grid.maxEnsembleSize());
        all.put("folds", grid.folds());
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(new ObjectMapper().writeValueAsString(all)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
