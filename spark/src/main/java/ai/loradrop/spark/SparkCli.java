/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationMetrics;
import ai.loradrop.experiments.Sweep;
import ai.loradrop.experiments.SweepGrid;
import ai.loradrop.experiments.SweepResult;
import ai.loradrop.io.AtomicFiles;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.programs.QuantizedMerge;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code loradrop-spark} command: {@code score} writes a scored copy of a file, {@code evaluate} prints (and
 * writes) the distributed evaluation, {@code sweep} runs a sweep grid with one task per run. The same main class runs under {@code spark-submit}; {@code --master} is then
 * left to spark-submit.
 * <p>
 * Everything checkable is checked before the job starts: the model, the input's columns, that no output exists,
 * that no text is missing. Usage errors exit with code 2, failures with 1.
 */
public final class SparkCli {
    /** Usage of {@code score}. */
    static final String SCORE_USAGE = "loradrop-spark score --model M --input F --output DIR [--format csv|parquet]"
            + " [--master URL] [--ensemble K] [--ensemble-seed S] [--threads N] [--quantized-merge F] [--text-column C]"
            + " [--pair-column C] [--batch-rows N] [--top-k K] [--partitions N]";
    /** Usage of {@code evaluate}. */
    static final String EVALUATE_USAGE = "loradrop-spark evaluate --model M --input F [--label-column C] [--bins N]"
            + " [--report FILE.json] [--master URL] [--ensemble K] [--ensemble-seed S] [--threads N] [--quantized-merge F]"
            + " [--text-column C] [--pair-column C] [--batch-rows N] [--partitions N]";

    /** Usage of {@code sweep}. */
    static final String SWEEP_USAGE = "loradrop-spark sweep --grid FILE --train F --dev F [--test F] --output-dir DIR"
            + " --base-model ONNX --tokenizer F [--text-column C] [--label-column C] [--resume] [--save-models] [--master URL]";

    static final String HELP = String.join("\n",
            "usage: " + SCORE_USAGE,
            "       " + EVALUATE_USAGE,
            "       " + SWEEP_USAGE,
            "",
            "Scores or evaluates a file of texts with a LoRA-Drop model on Apache Spark, or runs a sweep grid with one",
            "Spark task per run.",
            "",
            "  --model M          a model file written by loradrop train (read on the driver, broadcast to the executors)",
            "  --input F          CSV, TSV, JSON lines or Parquet, by extension (.csv .tsv .tab .jsonl .ndjson .json",
            "                     .parquet); a file or a folder of part files",
            "  --output DIR       score: a new folder for the part files (refused if it exists); the input's columns",
            "                     and " + SparkScorer.PREDICTION + ", " + SparkScorer.PROBABILITY + ", " + SparkScorer.TOP_K
                    + ", " + SparkScorer.PROBABILITIES + " (+ " + SparkScorer.ENTROPY + ", "
                    + SparkScorer.MUTUAL_INFORMATION + ", " + SparkScorer.AGREEMENT + " for ensembles)",
            "  --format F         score: csv (nested columns as JSON text) or parquet [csv]",
            "  --master URL       Spark master, e.g. local[2]; leave out under spark-submit",
            "  --ensemble K       test-time ensemble size [the model's]",
            "  --ensemble-seed S  seed of the members' masks [the model's]",
            "  --threads N        ONNX Runtime threads per executor JVM, shared by its tasks; 0: ONNX Runtime's",
            "                     default [1]",
            helpLine("  --quantized-merge F", QuantizedMerge.DESCRIPTION + " [the model's]"),
            "  --text-column C    the text column [" + SparkScorer.DEFAULT_TEXT_COLUMN + "]",
            "  --pair-column C    the second-text column, for sentence-pair models",
            "  --batch-rows N     rows per prediction call inside a partition [" + SparkScorer.DEFAULT_BATCH_ROWS + "]",
            "  --top-k K          score: labels in " + SparkScorer.TOP_K + " [" + SparkScorer.DEFAULT_TOP_K + "]",
            "  --partitions N     spread the input over N partitions, keeping its order [as read, or the",
            "                     default parallelism when the input has fewer partitions]",
            "  --label-column C   evaluate: the true labels [" + SparkEvaluator.DEFAULT_LABEL_COLUMN + "]",
            "  --bins N           evaluate: calibration bins [" + CalibrationMetrics.DEFAULT_BINS + "]",
            "  --report FILE      evaluate: also write the evaluation as JSON (a new file)",
            "",
            "sweep: the grid files of loradrop sweep (JSON or OLCUT XML; see examples/configs/sweep-*.{json,xml}); each run",
            "trains as one Spark task, and the driver writes what loradrop sweep writes into --output-dir (runs/<hash>/"
                    + Sweep.REPORT + ",",
            "  " + SweepResult.MARKDOWN + ", " + SweepResult.CSV + ", " + SweepResult.JSON + ", " + SweepResult.HTML
                    + "). The files must be readable at the same paths on every executor.",
            "  --grid FILE        the grid",
            "  --train/--dev/--test F   the data (CSV, TSV or JSON lines); the dev set selects, the test set is only evaluated",
            "  --base-model ONNX  the encoder; --tokenizer F its tokenizer.json or vocab.txt",
            "  --resume           keep the runs an interrupted sweep finished in DIR",
            "  --save-models      keep each run's model as runs/<hash>/" + Sweep.MODEL);

    private static final List<String> COMMON = List.of("--model", "--input", "--master", "--ensemble", "--ensemble-seed",
            "--threads", "--quantized-merge", "--text-column", "--pair-column", "--batch-rows", "--partitions");
    private static final List<String> SCORE = List.of("--output", "--format", "--top-k");
    private static final List<String> EVALUATE = List.of("--label-column", "--bins", "--report");
    private static final List<String> SWEEP = List.of("--grid", "--train", "--dev", "--test", "--output-dir",
            "--base-model", "--tokenizer", "--text-column", "--label-column", "--master");
    /** Options without a value. */
    private static final List<String> FLAGS = List.of("--resume", "--save-models");

    /** The default ONNX Runtime threads per executor: tasks run side by side, one core each. */
    static final int DEFAULT_THREADS = 1;

    private SparkCli() {}

    /**
     * Runs a command and exits with its code.
     * @param args the command and its options.
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs a command.
     * @param args the command and its options.
     * @param out standard output.
     * @param err standard error.
     * @return 0 on success, 2 for a usage error, 1 for a failure.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
            (args.length == 0 ? err : out).println(HELP);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (command) {
                case "score" -> score(Options.parse(rest, SCORE, SCORE_USAGE), out);
                case "evaluate" -> evaluate(Options.parse(rest, EVALUATE, EVALUATE_USAGE), out);
                case "sweep" -> sweep(Options.parse(rest, SWEEP, SWEEP_USAGE), out);
                default -> throw new UsageError("Unknown command '" + command + "'; commands: score, evaluate, sweep", SCORE_USAGE);
            };
        } catch (UsageError e) {
            err.println("error: " + e.getMessage());
            err.println("usage: " + e.usage);
            return 2;
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            err.println("error: " + (root.getMessage() == null ? root.toString() : root.getMessage()));
            return 1;
        }
    }

    // ---------------------------------------------------------------------------------------------- commands

    private static int score(Options o, PrintStream out) throws Exception {
        String output = o.require("--output");
        DataFiles.OutputFormat format = o.enumValue("--format", DataFiles.OutputFormat.class, DataFiles.OutputFormat.CSV);
        int topK = o.intValue("--top-k", SparkScorer.DEFAULT_TOP_K, 1);
        return withSession(o, spark -> {
            try {
                DataFiles.checkNewOutput(spark, output, "output folder");
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage(), SCORE_USAGE);
            }
            Job job = Job.prepare(spark, o);
            SparkScorer scorer = new SparkScorer(job.scorer.textColumn(), job.scorer.pairColumn(), job.scorer.batchRows(), topK);
            Dataset<Row> scored = scorer.score(job.input, job.model);
            long t0 = System.nanoTime();
            DataFiles.writeNewFolder(spark, scored, output, format);
            double s = (System.nanoTime() - t0) / 1e9;
            long rows = job.rows;
            out.printf(Locale.ROOT, "Scored %d rows in %.1f s (%.1f rows/s, K=%d, %d partitions, model loads %d); wrote %s%n",
                    rows, s, rows / s, job.model.ensembleSize(), job.input.rdd().getNumPartitions(), job.model.loads(), output);
            job.model.release();
            return 0;
        });
    }

    private static int evaluate(Options o, PrintStream out) throws Exception {
        String labelColumn = o.value("--label-column", SparkEvaluator.DEFAULT_LABEL_COLUMN);
        int bins = o.intValue("--bins", CalibrationMetrics.DEFAULT_BINS, 1);
        Path report = o.has("--report") ? Path.of(o.require("--report")) : null;
        if (report != null) {
            if (Files.exists(report)) {
                throw new UsageError("The report file " + report + " already exists; choose a new path (nothing is ever"
                        + " overwritten)", EVALUATE_USAGE);
            }
            Path parent = report.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new UsageError("The folder of the report file does not exist: " + parent, EVALUATE_USAGE);
            }
        }
        return withSession(o, spark -> {
            Job job = Job.prepare(spark, o);
            if (!Arrays.asList(job.input.columns()).contains(labelColumn)) {
                throw new UsageError("The input has no label column '" + labelColumn + "'; its columns are "
                        + Arrays.asList(job.input.columns()), EVALUATE_USAGE);
            }
            Dataset<Row> input = job.input.withColumn(labelColumn, functions.col(labelColumn).cast(DataTypes.StringType));
            long t0 = System.nanoTime();
            DistributedEvaluation e = new SparkEvaluator(labelColumn, bins).evaluate(input, job.scorer, job.model);
            double s = (System.nanoTime() - t0) / 1e9;
            out.print(e);
            out.printf(Locale.ROOT, "Evaluated %d rows in %.1f s (K=%d, model loads %d)%n", e.examples(), s,
                    job.model.ensembleSize(), job.model.loads());
            if (report != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", o.require("--model"));
                m.put("input", o.require("--input"));
                m.put("ensemble_size", job.model.ensembleSize());
                m.put("ensemble_seed", job.model.ensembleSeed());
                m.putAll(e.toMap());
                m.put("evaluate_seconds", s);
                AtomicFiles.write(report, "evaluation report", new com.fasterxml.jackson.databind.ObjectMapper()
                        .writerWithDefaultPrettyPrinter().writeValueAsString(m).getBytes(StandardCharsets.UTF_8));
                out.println("Wrote the report to " + report);
            }
            job.model.release();
            return 0;
        });
    }

    private static int sweep(Options o, PrintStream out) throws Exception {
        Path gridFile = o.existingFile("--grid");
        Path train = o.existingFile("--train");
        Path dev = o.has("--dev") ? o.existingFile("--dev") : null;
        Path test = o.has("--test") ? o.existingFile("--test") : null;
        Path onnx = o.existingFile("--base-model");
        Path tokenizer = o.existingFile("--tokenizer");
        Path outDir = Path.of(o.require("--output-dir"));
        Path parent = outDir.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UsageError("The folder that would hold --output-dir does not exist: " + parent, SWEEP_USAGE);
        }
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new UsageError("--output-dir " + outDir + " is a file", SWEEP_USAGE);
        }
        SweepGrid grid;
        try {
            grid = SweepGrid.load(gridFile);
        } catch (IllegalArgumentException e) {
            throw new UsageError(gridFile + ": " + e.getMessage(), SWEEP_USAGE);
        }
        if (grid.folds() == 0 && dev == null) {
            throw new UsageError("the dev set selects the best run: give --dev (or folds in the grid)", SWEEP_USAGE);
        }
        LoraDropTrainer base = LoraDropTrainer.builder(onnx, tokenizer).build();
        SparkSweep.GridSweep sweep = new SparkSweep.GridSweep(grid, base, train, dev, test,
                o.value("--text-column", SparkScorer.DEFAULT_TEXT_COLUMN),
                o.value("--label-column", SparkEvaluator.DEFAULT_LABEL_COLUMN), outDir, o.has("--resume"),
                o.has("--save-models"));
        return withSession(o, spark -> {
            SweepResult result = sweep.run(spark);
            out.println(result.table().toMarkdown());
            for (String f : List.of(SweepResult.MARKDOWN, SweepResult.CSV, SweepResult.JSON, SweepResult.HTML)) {
                out.println("Written " + outDir.resolve(f));
            }
            return 0;
        });
    }

    /** The parts common to both commands, checked before any job runs. */
    private static final class Job {
        ModelHandle model;
        SparkScorer scorer;
        Dataset<Row> input;
        long rows;

        static Job prepare(SparkSession spark, Options o) throws Exception {
            Path modelFile = Path.of(o.require("--model"));
            if (!Files.isRegularFile(modelFile)) {
                throw new UsageError("The model file does not exist: " + modelFile, o.usage);
            }
            String inputPath = o.require("--input");
            DataFiles.InputFormat format = DataFiles.InputFormat.of(inputPath);
            if (format == null) {
                throw new UsageError("Cannot tell the format of " + inputPath + " from its extension (.csv, .tsv, .tab,"
                        + " .jsonl, .ndjson, .json, .parquet)", o.usage);
            }
            int k = o.intValue("--ensemble", 0, 1);
            Long seed = o.has("--ensemble-seed") ? o.longValue("--ensemble-seed") : null;
            int threads = o.intValue("--threads", DEFAULT_THREADS, 0);
            int batchRows = o.intValue("--batch-rows", SparkScorer.DEFAULT_BATCH_ROWS, 1);
            int partitions = o.intValue("--partitions", 0, 1);
            Job j = new Job();
            j.input = DataFiles.read(spark, inputPath, format);
            // A CSV file is read as one partition (quoted fields may span lines, so it cannot be split): spread the
            // rows over the cluster's task slots, keeping their order.
            int slots = spark.sparkContext().defaultParallelism();
            if (partitions > 0 || j.input.rdd().getNumPartitions() < slots) {
                j.input = DataFiles.spread(j.input, partitions > 0 ? partitions : slots);
            }
            j.model = ModelHandle.create(spark, modelFile, k, seed, threads, quantizedMerge(o));
            j.scorer = new SparkScorer(o.value("--text-column", SparkScorer.DEFAULT_TEXT_COLUMN), o.value("--pair-column", null),
                    batchRows, SparkScorer.DEFAULT_TOP_K);
            try {
                j.scorer.outputSchema(j.input.schema(), j.model);
            } catch (IllegalArgumentException e) {
                j.model.release();
                throw new UsageError(e.getMessage() + " (in " + inputPath + ")", o.usage);
            }
            j.checkTexts(inputPath);
            return j;
        }

        /** One cheap pass over the text columns: counts the rows and finds the first missing text before scoring. */
        private void checkTexts(String inputPath) {
            List<String> columns = new ArrayList<>(List.of(scorer.textColumn()));
            if (scorer.pairColumn() != null) {
                columns.add(scorer.pairColumn());
            }
            Column missing = functions.lit(false);
            for (String c : columns) {
                Column col = functions.col("`" + c + "`");
                missing = missing.or(col.isNull()).or(functions.trim(col).equalTo(""));
            }
            Row counts = input.agg(functions.count(functions.lit(1)), functions.sum(functions.when(missing, 1).otherwise(0)))
                    .first();
            rows = counts.getLong(0);
            long bad = counts.isNullAt(1) ? 0 : counts.getLong(1);
            if (bad > 0) {
                Row first = input.filter(missing).first();
                model.release();
                throw new IllegalArgumentException(bad + " of " + rows + " rows of " + inputPath + " have no text in column(s) "
                        + columns + ", for example " + first);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- session

    private interface SessionWork {
        int run(SparkSession spark) throws Exception;
    }

    /** Runs with the active session (spark-submit's, or a test's), else one built here and stopped afterwards. */
    private static int withSession(Options o, SessionWork work) throws Exception {
        SparkSession active = SparkSession.getActiveSession().getOrElse(() -> null);
        if (active != null) {
            return work.run(active);
        }
        SparkSession.Builder b = SparkSession.builder().appName("loradrop-spark");
        if (o.has("--master")) {
            b = b.master(o.require("--master"));
        }
        SparkSession spark = b.getOrCreate();
        try {
            return work.run(spark);
        } finally {
            spark.stop();
        }
    }

    // ---------------------------------------------------------------------------------------------- options

    /** A usage error: exit code 2 with the usage line. */
    /** The value of {@code --quantized-merge}, or null for the model's own. */
    private static QuantizedMerge quantizedMerge(Options o) {
        if (!o.has("--quantized-merge")) {
            return null;
        }
        String v = o.value("--quantized-merge", null);
        try {
            return QuantizedMerge.parse(v);
        } catch (IllegalArgumentException e) {
            throw new UsageError("Option --quantized-merge must be one of " + java.util.Arrays.toString(QuantizedMerge.values())
                    + ", got '" + v + "'", o.usage);
        }
    }

    /**
     * A help entry whose text is a shared description: the option, then the text wrapped at 110 columns under the
     * help's text column (21). The CLI module has its own wrapper; this module depends on the plugin only.
     */
    private static String helpLine(String option, String text) {
        StringBuilder out = new StringBuilder(String.format("%-20s", option));
        int lineStart = 0;
        for (String word : text.split(" ")) {
            if (out.length() - lineStart + 1 + word.length() > 110) {
                out.append('\n').append(" ".repeat(20));
                lineStart = out.length() - 20;
            }
            out.append(' ').append(word);
        }
        return out.toString();
    }

    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String usage;

        UsageError(String message, String usage) {
            super(message);
            this.usage = usage;
        }
    }

    /** {@code --name value} options of one command. */
    private static final class Options {
        final Map<String, String> values = new LinkedHashMap<>();
        final String usage;

        private Options(String usage) {
            this.usage = usage;
        }

        static Options parse(List<String> args, List<String> specific, String usage) {
            Options o = new Options(usage);
            boolean sweep = specific == SWEEP;
            List<String> known = new ArrayList<>(sweep ? List.of() : COMMON);
            known.addAll(specific);
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (sweep && FLAGS.contains(a)) {
                    if (o.values.put(a, "true") != null) {
                        throw new UsageError("Option " + a + " is given twice", usage);
                    }
                    continue;
                }
                if (!known.contains(a)) {
                    throw new UsageError("Unknown option '" + a + "'", usage);
                }
                if (i + 1 >= args.size()) {
                    throw new UsageError("Option " + a + " needs a value", usage);
                }
                if (o.values.put(a, args.get(++i)) != null) {
                    throw new UsageError("Option " + a + " is given twice", usage);
                }
            }
            return o;
        }

        boolean has(String name) {
            return values.containsKey(name);
        }

        String require(String name) {
            String v = values.get(name);
            if (v == null) {
                throw new UsageError("Missing " + name, usage);
            }
            return v;
        }

        Path existingFile(String name) {
            Path p = Path.of(require(name));
            if (!Files.isRegularFile(p)) {
                throw new UsageError(name + ": the file does not exist: " + p, usage);
            }
            return p;
        }

        String value(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }

        int intValue(String name, int fallback, int min) {
            if (!has(name)) {
                return fallback;
            }
            try {
                int v = Integer.parseInt(values.get(name));
                if (v < min) {
                    throw new UsageError(name + " must be at least " + min + ", got " + v, usage);
                }
                return v;
            } catch (NumberFormatException e) {
                throw new UsageError(name + " needs an integer, got '" + values.get(name) + "'", usage);
            }
        }

        long longValue(String name) {
            try {
                return Long.parseLong(values.get(name));
            } catch (NumberFormatException e) {
                throw new UsageError(name + " needs an integer, got '" + values.get(name) + "'", usage);
            }
        }

        <E extends Enum<E>> E enumValue(String name, Class<E> type, E fallback) {
            if (!has(name)) {
                return fallback;
            }
            try {
                return Enum.valueOf(type, values.get(name).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageError(name + " must be one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
                        + ", got '" + values.get(name) + "'", usage);
            }
        }
    }
}
