/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.onnx.BaseQuantization;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.tribuo.LoraDropModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code loradrop-spark} command in local mode (sharing this class's session; its scores equal one single-JVM
 * predict call exactly, and the file {@code loradrop predict} writes), and fault tolerance: a scoring
 * task that fails once, after part of its rows were already written, is retried and the output holds every row
 * exactly once with the single-JVM scores.
 */
class SparkCliTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path modelFile;
    static List<String[]> rows;
    static Path csv;

    /** Failures injected so far (local mode: the tasks run in this JVM). */
    static final AtomicInteger INJECTED = new AtomicInteger();

    @BeforeAll
    static void setUp() throws Exception {
        TinyTask task = new TinyTask(dir.resolve("tiny"));
        modelFile = task.trainAndSave(task.trainer().build(), dir.resolve("tiny.tribuo"));
        rows = TinyTask.rows(97, 3);
        csv = TinyTask.writeCsv(dir.resolve("texts.csv"), rows);
        spark = SparkTestSession.start("SparkCliTest");
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SparkCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<Prediction<Label>> reference(int k) throws Exception {
        try (LoraDropModel m = (LoraDropModel) Model.deserializeFromFile(modelFile); LoraDropModel e = m.withEnsemble(k, 9L)) {
            return SparkScorerTest.reference(e, rows);
        }
    }

    /** Fails the first attempt of partition 1 after it has passed on 10 rows. */
    static final class FailOnce implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            TaskContext t = TaskContext.get();
            boolean fail = t.partitionId() == 1 && t.attemptNumber() == 0;
            return new Iterator<>() {
                int n;

                @Override
                public boolean hasNext() {
                    if (fail && n == 10) {
                        INJECTED.incrementAndGet();
                        throw new IllegalStateException("injected failure of task attempt " + t.taskAttemptId());
                    }
                    return in.hasNext();
                }

                @Override
                public Row next() {
                    n++;
                    return in.next();
                }
            };
        }
    }

    @Test
    void taskFailingOnceIsRetriedWithoutDuplicateOrMissingRows() throws Exception {
        ModelHandle handle = ModelHandle.create(spark, modelFile, 4, 9L, 1);
        try {
            Dataset<Row> input = SparkScorerTest.frame(spark, rows, 3);
            Dataset<Row> flaky = input.mapPartitions(new FailOnce(), Encoders.row(input.schema()));
            Path out = dir.resolve("retried");
            int before = INJECTED.get();
            DataFiles.writeNewFolder(spark, new SparkScorer("text", null, 4, 3).score(flaky, handle), out.toString(),
                    DataFiles.OutputFormat.PARQUET);
            assertEquals(before + 1, INJECTED.get(), "the first attempt of partition 1 failed");
            List<Row> back = spark.read().parquet(out.toString()).collectAsList();
            try (LoraDropModel m = (LoraDropModel) Model.deserializeFromFile(modelFile); LoraDropModel e = m.withEnsemble(4, 9L)) {
                SparkScorerTest.assertSameScores(SparkScorerTest.reference(e, rows), rows, back, true);
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".incomplete-")), "no staging folder left");
            }
        } finally {
            handle.release();
        }
    }

    @Test
    void scoreWritesCsvPartFilesWithTheInputColumns() throws Exception {
        Path out = dir.resolve("scored-csv");
        Run r = cli("score", "--master", "local[2]", "--model", modelFile.toString(), "--input", csv.toString(),
                "--output", out.toString(), "--partitions", "3", "--batch-rows", "8");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Scored 97 rows"), r.out());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        List<Row> back = spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"")
                .csv(out.toString()).collectAsList();
        assertEquals(List.of("id", "label", "text", "prediction", "probability", "top_k", "probabilities"),
                List.of(back.get(0).schema().fieldNames()));
        List<Prediction<Label>> expected = reference(1);
        ObjectMapper json = new ObjectMapper();
        Set<String> ids = new HashSet<>();
        for (Row row : back) {
            int i = Integer.parseInt(row.getString(0).substring(1));
            assertTrue(ids.add(row.getString(0)));
            assertEquals(rows.get(i)[1], row.getString(1));
            assertEquals(rows.get(i)[2], row.getString(2));
            assertEquals(expected.get(i).getOutput().getLabel(), row.getString(3));
            assertEquals(expected.get(i).getOutput().getScore(), Double.parseDouble(row.getString(4)), 0.0);
            JsonNode dist = json.readTree(row.getString(6));
            for (Label l : expected.get(i).getOutputScores().values()) {
                assertEquals(l.getScore(), dist.get(l.getLabel()).asDouble(), 0.0);
            }
            assertEquals(3, json.readTree(row.getString(5)).size());
        }
        assertEquals(rows.size(), ids.size());
        // the part files, in name order, hold the rows in the input's order
        List<String> written = new ArrayList<>();
        try (Stream<Path> parts = Files.list(out)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> lines = Files.readAllLines(part);
                lines.subList(1, lines.size()).forEach(l -> written.add(l.substring(0, l.indexOf(','))));
            }
        }
        assertEquals(rows.stream().map(x -> x[0]).toList(), written);
    }

    /**
     * {@code loradrop predict} (the single-JVM command line) and {@code loradrop-spark score} on the same file write
     * the same label and the same probabilities ({@code ==} on the doubles they print) for every row, deterministic and
     * ensemble, with Spark's rows spread over partitions and batches unlike the CLI's one call.
     */
    @Test
    void sparkScoresEqualTheCliPredictOutputFile() throws Exception {
        for (int k : new int[]{1, 3}) {
            Path cliOut = dir.resolve("cli-" + k + ".csv");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = ai.loradrop.cli.LoraDropCli.run(new String[]{"predict", "--model", modelFile.toString(), "--input",
                    csv.toString(), "--output", cliOut.toString(), "--ensemble", Integer.toString(k), "--ensemble-seed", "9"},
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            Path sparkOut = dir.resolve("spark-vs-cli-" + k);
            Run r = cli("score", "--model", modelFile.toString(), "--input", csv.toString(), "--output", sparkOut.toString(),
                    "--partitions", "4", "--batch-rows", "5", "--ensemble", Integer.toString(k), "--ensemble-seed", "9");
            assertEquals(0, r.code(), r.err());
            List<String> cliLines = Files.readAllLines(cliOut);
            List<String> header = List.of(cliLines.get(0).split(","));
            Map<String, String[]> cliById = new HashMap<>();
            for (String line : cliLines.subList(1, cliLines.size())) {
                String[] cells = line.split(",");
                cliById.put(cells[header.indexOf("id")], cells);
            }
            List<Row> back = spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"")
                    .csv(sparkOut.toString()).collectAsList();
            assertEquals(rows.size(), back.size());
            assertEquals(rows.size(), cliById.size());
            ObjectMapper json = new ObjectMapper();
            for (Row row : back) {
                String[] c = cliById.get(row.getString(row.fieldIndex("id")));
                assertEquals(c[header.indexOf("label")], row.getString(row.fieldIndex(SparkScorer.PREDICTION)));
                assertEquals(Double.parseDouble(c[header.indexOf("probability")]),
                        Double.parseDouble(row.getString(row.fieldIndex(SparkScorer.PROBABILITY))), 0.0);
                JsonNode dist = json.readTree(row.getString(row.fieldIndex(SparkScorer.PROBABILITIES)));
                for (String label : TinyTask.CLASSES) {
                    assertEquals(Double.parseDouble(c[header.indexOf("p:" + label)]), dist.get(label).asDouble(), 0.0, label);
                }
                if (k > 1) {
                    for (String u : List.of(SparkScorer.ENTROPY, SparkScorer.MUTUAL_INFORMATION, SparkScorer.AGREEMENT)) {
                        assertEquals(Double.parseDouble(c[header.indexOf(u)]), Double.parseDouble(row.getString(row.fieldIndex(u))), 0.0, u);
                    }
                }
            }
        }
    }

    /**
     * {@code --quantized-merge} overrides an int8 model's prediction form on the executors: the scores equal the
     * single-JVM model's {@code withQuantizedMerge} copy and differ from the saved (branch) form; a bad value exits 2
     * naming the option, before anything is written. One partition and one call: an int8 layer quantizes its input
     * per batch, so int8 scores are compared on the same batches.
     */
    @Test
    void quantizedMergeOverridesTheInt8FormOnTheExecutors() throws Exception {
        TinyTask task = new TinyTask(dir.resolve("tiny-int8"));
        Path int8Model = task.trainAndSave(task.trainer().quantizeBase(BaseQuantization.INT8).build(),
                dir.resolve("tiny-int8.tribuo"));
        Path out = dir.resolve("scored-requantized");
        Run r = cli("score", "--model", int8Model.toString(), "--input", csv.toString(), "--output", out.toString(),
                "--format", "parquet", "--partitions", "1", "--batch-rows", "128", "--quantized-merge", "requantize");
        assertEquals(0, r.code(), r.err());
        List<Row> back = spark.read().parquet(out.toString()).collectAsList();
        try (LoraDropModel m = (LoraDropModel) Model.deserializeFromFile(int8Model);
             LoraDropModel q = m.withQuantizedMerge(QuantizedMerge.REQUANTIZE)) {
            assertEquals(QuantizedMerge.BRANCH, m.getQuantizedMerge(), "saved in the default form");
            List<Prediction<Label>> requantized = SparkScorerTest.reference(q, rows);
            SparkScorerTest.assertSameScores(requantized, rows, back, false);
            List<Prediction<Label>> branch = SparkScorerTest.reference(m, rows);
            double diff = 0;
            for (int i = 0; i < rows.size(); i++) {
                diff = Math.max(diff, Math.abs(branch.get(i).getOutput().getScore() - requantized.get(i).getOutput().getScore()));
            }
            assertTrue(diff > 0, "the requantized form scores differently from the branch");
        }
        Path bad = dir.resolve("scored-bad-form");
        Run refused = cli("score", "--model", int8Model.toString(), "--input", csv.toString(), "--output", bad.toString(),
                "--quantized-merge", "fold");
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("--quantized-merge must be one of [BRANCH, REQUANTIZE], got 'fold'"), refused.err());
        assertFalse(Files.exists(bad));
        assertTrue(cli("--help").out().contains(QuantizedMerge.DESCRIPTION.substring(0, 40)), "help from the one description");
    }

    @Test
    void helpListsTheThreeCommandsAndUsageErrorsExitWithTwo() {
        Run help = cli("--help");
        assertEquals(0, help.code());
        for (String usage : List.of(SparkCli.SCORE_USAGE, SparkCli.EVALUATE_USAGE, SparkCli.SWEEP_USAGE)) {
            assertTrue(help.out().contains(usage), usage);
        }
        Run none = cli();
        assertEquals(2, none.code());
        Run unknown = cli("train");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("commands: score, evaluate, sweep"), unknown.err());
        Run missing = cli("score", "--input", csv.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing --output") && missing.err().contains(SparkCli.SCORE_USAGE), missing.err());
    }

    @Test
    void scoreWritesParquetWithUncertaintyForEnsembles() throws Exception {
        Path out = dir.resolve("scored-parquet");
        Run r = cli("score", "--model", modelFile.toString(), "--input", csv.toString(), "--output", out.toString(),
                "--format", "parquet", "--ensemble", "4", "--ensemble-seed", "9");
        assertEquals(0, r.code(), r.err());
        SparkScorerTest.assertSameScores(reference(4), rows, spark.read().parquet(out.toString()).collectAsList(), true);
    }

    @Test
    void existingOutputsAndBadInputsAreRefusedBeforeScoring() throws Exception {
        Path existing = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(existing.resolve("keep.txt"), "mine");
        Run r = cli("score", "--model", modelFile.toString(), "--input", csv.toString(), "--output", existing.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("already exists"), r.err());
        assertEquals("mine", Files.readString(existing.resolve("keep.txt")));

        r = cli("score", "--model", modelFile.toString(), "--input", csv.toString(), "--output", dir.resolve("x").toString(),
                "--text-column", "body");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no text column 'body'"), r.err());

        Path holes = dir.resolve("holes.csv");
        Files.writeString(holes, "id,label,text\na,animal,the dog\nb,colour,\nc,weather,rain\n");
        r = cli("score", "--model", modelFile.toString(), "--input", holes.toString(), "--output", dir.resolve("y").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("1 of 3 rows") && r.err().contains("[b,colour,null]"), r.err());
        assertFalse(Files.exists(dir.resolve("y")));

        r = cli("score", "--model", modelFile.toString(), "--input", dir.resolve("texts.xlsx").toString(), "--output",
                dir.resolve("z").toString());
        assertEquals(2, r.code());
        r = cli("score", "--model", modelFile.toString(), "--input", csv.toString(), "--output", dir.resolve("z").toString(),
                "--colour", "red");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unknown option '--colour'"), r.err());
    }

    @Test
    void evaluatePrintsAndWritesTheDistributedReport() throws Exception {
        Path report = dir.resolve("report.json");
        Run r = cli("evaluate", "--model", modelFile.toString(), "--input", csv.toString(), "--report", report.toString(),
                "--partitions", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("97 examples: accuracy"), r.out());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals(97, j.get("examples").asInt());
        assertEquals(15, j.get("reliability").size());
        assertTrue(j.get("per_label").has("animal"));
        Run again = cli("evaluate", "--model", modelFile.toString(), "--input", csv.toString(), "--report", report.toString());
        assertEquals(2, again.code(), "an existing report is never overwritten");
    }
}
