/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.experiments.Sweep;
import ai.loradrop.experiments.SweepData;
import ai.loradrop.experiments.SweepGrid;
import ai.loradrop.experiments.SweepResult;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextExamples;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code loradrop sweep}: trains every configuration of a grid file (JSON or OLCUT XML) with repeats over seeds,
 * selects on the dev set, and writes the results table and the HTML report (see {@link Sweep}).
 */
final class SweepCommand {
    private SweepCommand() {}

    static final String USAGE = "loradrop sweep --grid FILE --train F --dev F [--test F] --output-dir DIR [--repeats N]"
            + " [--folds K] [--resume] [--save-models] [--report-only] [column options] [--base-model DIR_OR_ONNX] [--tokenizer F]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Trains every configuration of a grid of LoraDropTrainer settings, each repeated over seeds; the dev set picks",
            "each run's epoch, fits its temperatures and selects the best configuration; the test set is only evaluated.",
            "",
            "  --grid FILE              the grid: JSON (.json) or OLCUT XML (.xml); see examples/configs/sweep-*.{json,xml}",
            "  --train F                training data",
            "  --dev F                  dev data: epoch choice, temperatures, selection (not needed with --folds)",
            "  --test F                 test data: deterministic, +temperature, ensemble, +temperature, K = 1..16",
            "  --output-dir DIR         new or empty folder: runs/<hash>/report.json per run, " + SweepResult.MARKDOWN + ", "
                    + SweepResult.CSV + ",",
            "                           " + SweepResult.JSON + ", " + SweepResult.HTML,
            "  --repeats N              seeds 1..N (replaces the grid's seeds)",
            "  --folds K                K-fold cross-validation on the training data (Tribuo's CrossValidation) instead",
            "                           of the dev set",
            "  --resume                 continue a sweep killed in DIR: finished runs (by configuration hash) are kept",
            "  --save-models            keep each run's model as runs/<hash>/" + Sweep.MODEL,
            "  --report-only            train nothing: write the tables and report of the runs finished in DIR so far",
            "  --base-model DIR|ONNX    encoder [the bundled all-MiniLM-L6-v2]; --tokenizer F as for train",
            "",
            DataColumns.HELP,
            "",
            "Trainer fields (" + String.join(", ", ai.loradrop.experiments.TrainerFields.names()) + ") are set in the grid.");

    static final List<String> FLAGS = List.of("--resume", "--save-models", "--report-only");
    static final List<String> OPTIONS = concat(List.of("--grid", "--train", "--dev", "--test", "--output-dir", "--repeats",
            "--folds", "--base-model", "--tokenizer"), DataColumns.OPTIONS);

    static int run(List<String> args, PrintStream out) throws Exception {
        Args a = Args.parse(args, FLAGS, OPTIONS, USAGE);
        Path gridFile = a.existingFile("--grid");
        Path trainFile = a.existingFile("--train");
        Path devFile = a.optionalExistingFile("--dev");
        Path testFile = a.optionalExistingFile("--test");
        Path outDir = Path.of(a.require("--output-dir"));
        Path parent = outDir.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw a.error("The folder that would hold --output-dir does not exist: " + parent);
        }
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw a.error("--output-dir " + outDir + " is a file");
        }
        SweepGrid grid;
        try {
            grid = SweepGrid.load(gridFile);
        } catch (IllegalArgumentException e) {
            throw a.error(e.getMessage());
        }
        if (a.has("--repeats")) {
            int n = a.intValue("--repeats", 1);
            if (n < 1) {
                throw a.error("--repeats must be at least 1, got " + n);
            }
            List<Long> seeds = new ArrayList<>();
            for (long s = 1; s <= n; s++) {
                seeds.add(s);
            }
            grid = grid.withSeeds(seeds);
        }
        if (a.has("--folds")) {
            int k = a.intValue("--folds", 0);
            if (k < 2) {
                throw a.error("--folds must be at least 2, got " + k);
            }
            grid = grid.withFolds(k);
        }
        if (grid.folds() == 0 && devFile == null) {
            throw a.error("the dev set selects the best run: give --dev (or --folds K)");
        }
        DataColumns columns = DataColumns.of(a);
        String pairKey = columns.pair() == null ? null : TextExamples.DEFAULT_PAIR_KEY;
        BaseModelFiles base = BaseModelFiles.resolve(a);
        LoraDropTrainer.Builder b = LoraDropTrainer.builder(base.onnx(), base.tokenizer());
        if (pairKey != null) {
            b.pairKey(pairKey);
        }
        LoraDropTrainer trainer = b.build();
        String pk = pairKey == null ? TextExamples.DEFAULT_PAIR_KEY : pairKey;
        MutableDataset<Label> train = columns.read(trainFile, TextExamples.DEFAULT_TEXT_KEY, pk);
        MutableDataset<Label> dev = devFile == null ? null : columns.read(devFile, TextExamples.DEFAULT_TEXT_KEY, pk);
        MutableDataset<Label> test = testFile == null ? null : columns.read(testFile, TextExamples.DEFAULT_TEXT_KEY, pk);

        if (a.flag("--report-only") && !Files.isDirectory(outDir.resolve(Sweep.RUNS))) {
            throw a.error("--report-only reads the runs of an earlier sweep, but " + outDir + " holds none");
        }
        Sweep sweep = new Sweep(grid, trainer, new SweepData(train, dev, test), outDir, a.flag("--resume"), a.flag("--save-models"))
                .reportOnly(a.flag("--report-only"));
        SweepResult result = sweep.run();
        List<Path> files = result.writeAll(outDir);
        out.println(result.table().toMarkdown());
        files.forEach(f -> out.println("Written " + f));
        return 0;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
