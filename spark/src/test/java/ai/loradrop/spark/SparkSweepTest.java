/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationEvaluator;
import ai.loradrop.experiments.ResultsTable;
import ai.loradrop.experiments.Sweep;
import ai.loradrop.experiments.SweepData;
import ai.loradrop.experiments.SweepGrid;
import ai.loradrop.experiments.SweepResult;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextDataSource;
import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.io.XMLProvenanceSerialization;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.provenance.ModelProvenance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sweep of trainer configurations runs one Spark task per run, and each row of the results table reports what the
 * same configuration trained on one machine gives (training is deterministic), with the model's provenance.
 */
class SparkSweepTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static TinyTask task;
    static Path train;
    static Path test;

    @BeforeAll
    static void setUp() throws Exception {
        task = new TinyTask(dir.resolve("tiny"));
        train = TinyTask.writeCsv(dir.resolve("train.csv"), TinyTask.rows(60, 1));
        test = TinyTask.writeCsv(dir.resolve("test.csv"), TinyTask.rows(45, 2));
        spark = SparkTestSession.start("SparkSweepTest");
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void eachRunIsOneTaskAndReportsWhatOneMachineGives() throws Exception {
        List<LoraDropTrainer> trainers = List.of(task.trainer().rank(2).alpha(4).build(), task.trainer().rank(4).epochs(4).build());
        Path models = Files.createDirectories(dir.resolve("models"));
        List<SparkSweep.Run> runs = SparkSweep.runs("tiny", trainers);
        List<SparkSweep.Run> withBad = new java.util.ArrayList<>(runs);
        // a configuration reading its texts from a metadata key the data does not have: its run fails, the others go on
        withBad.add(SparkSweep.Run.of("wrong-key", task.trainer().textKey("body").build()));
        List<Row> results = new SparkSweep(train, test, "text", "label", models).run(spark, withBad).collectAsList();
        assertEquals(3, results.size());
        assertEquals("failed", results.get(2).getAs("status"));
        assertTrue(((String) results.get(2).getAs("error")).contains("body"), (String) results.get(2).getAs("error"));

        MutableDataset<Label> trainData = new MutableDataset<>(new TextDataSource(train, "text", "label"));
        MutableDataset<Label> testData = new MutableDataset<>(new TextDataSource(test, "text", "label"));
        for (int i = 0; i < trainers.size(); i++) {
            Row r = results.get(i);
            assertEquals("tiny-" + i, r.getAs("run"));
            assertEquals("ok", r.getAs("status"), String.valueOf((Object) r.getAs("error")));
            assertNull(r.getAs("error"));
            assertEquals(60, (int) r.getAs("train_examples"));
            assertEquals(45, (int) r.getAs("test_examples"));
            try (LoraDropModel local = trainers.get(i).train(trainData)) {
                LabelEvaluation e = new LabelEvaluator().evaluate(local, testData);
                assertEquals(e.accuracy(), (double) r.getAs("accuracy"), 0.0);
                assertEquals(e.macroAveragedF1(), (double) r.getAs("macro_f1"), 0.0);
                assertEquals(new CalibrationEvaluator().evaluate(local, testData).report().nll(), (double) r.getAs("nll"), 0.0);
                ModelProvenance remote = (ModelProvenance) ProvenanceUtil.unmarshalProvenance(
                        new XMLProvenanceSerialization(false).deserializeFromString(r.getAs("provenance")));
                assertEquals(local.getProvenance().getTrainerProvenance().getConfiguredParameters(),
                        remote.getTrainerProvenance().getConfiguredParameters());
                try (LoraDropModel saved = (LoraDropModel) Model.deserializeFromFile(Path.of((String) r.getAs("model_file")))) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(local.getParameters(), saved.getParameters());
                }
            }
        }
        assertEquals(models.resolve("tiny-0.tribuo").toString(), results.get(0).getAs("model_file"));
        // the model files are never overwritten: the same sweep again is refused before any task runs
        assertThrows(java.io.IOException.class, () -> new SparkSweep(train, test, "text", "label", models).run(spark, runs));
    }

    /** Injected task failures so far (local mode: the tasks run in this JVM). */
    static final java.util.concurrent.atomic.AtomicInteger INJECTED = new java.util.concurrent.atomic.AtomicInteger();

    /** A tiny grid: two ranks x two seeds = 4 runs, K = 2 ensembles. */
    static final String GRID = "{\"trainer\": {\"maxLength\": 16, \"alpha\": 8, \"epochs\": 2, \"batchSize\": 8,"
            + " \"dropoutMode\": \"INPUT\", \"dropout\": 0.1, \"learningRate\": 0.01, \"warmupFraction\": 0.0,"
            + " \"threads\": 1, \"logIntervalSeconds\": 60},"
            + " \"grid\": {\"rank\": [2, 4]}, \"seeds\": [1, 2], \"ensembleSize\": 2, \"maxEnsembleSize\": 2}";

    @Test
    void gridSweepWritesTheSingleJvmResultsTableAndSurvivesARetriedTask() throws Exception {
        Path dev = TinyTask.writeCsv(dir.resolve("dev.csv"), TinyTask.rows(30, 3));
        SweepGrid grid = SweepGrid.fromJson(GRID);
        // the base trainer loradrop-spark sweep builds: the grid sets the rest
        LoraDropTrainer base = LoraDropTrainer.builder(task.encoder, task.vocab).build();
        Path single = dir.resolve("sweep-single");
        SweepResult local = new Sweep(grid, base, new SweepData(read(train), read(dev), read(test)), single, false, false).run();
        local.writeAll(single);

        Path distributed = dir.resolve("sweep-spark");
        SparkSweep.GridSweep gs = new SparkSweep.GridSweep(grid, base, train, dev, test, "text", "label", distributed, false, false);
        SweepResult remote = gs.run(spark);
        assertEquals(4, remote.reports().size());
        assertSameTable(local.table(), remote.table());
        assertEquals(local.selection().bestConfig(), remote.selection().bestConfig());
        for (String f : List.of(SweepResult.MARKDOWN, SweepResult.CSV, SweepResult.JSON, SweepResult.HTML, Sweep.MANIFEST)) {
            assertTrue(Files.isRegularFile(distributed.resolve(f)), f);
        }
        for (int i = 0; i < 4; i++) {
            Map<String, Object> l = local.reports().get(i);
            Map<String, Object> r = remote.reports().get(i);
            assertEquals(l.get("config_hash"), r.get("config_hash"));
            assertTrue(Files.isRegularFile(distributed.resolve(Sweep.RUNS).resolve((String) r.get("config_hash")).resolve(Sweep.REPORT)));
            assertEquals(json(l.get("test_examples")), json(r.get("test_examples")));
            assertEquals(json(l.get("deterministic")), json(r.get("deterministic")), "run " + i);
            assertEquals(json(l.get("ensemble_curve")), json(r.get("ensemble_curve")), "run " + i);
            assertEquals(json(((Map<?, ?>) l.get("provenance")).get("trainer")), json(((Map<?, ?>) r.get("provenance")).get("trainer")));
        }
        // the Markdown table equals the single-JVM one but for its timing column
        assertEquals(withoutTiming(Files.readAllLines(single.resolve(SweepResult.MARKDOWN))),
                withoutTiming(Files.readAllLines(distributed.resolve(SweepResult.MARKDOWN))));

        // loradrop-spark sweep (the session of this class) writes the same table
        Path gridFile = Files.writeString(dir.resolve("grid.json"), GRID);
        Path viaCli = dir.resolve("sweep-cli");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = SparkCli.run(new String[]{"sweep", "--grid", gridFile.toString(), "--train", train.toString(), "--dev",
                dev.toString(), "--test", test.toString(), "--output-dir", viaCli.toString(), "--base-model",
                task.encoder.toString(), "--tokenizer", task.vocab.toString()}, new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("Written " + viaCli.resolve(SweepResult.HTML)), out.toString());
        assertEquals(withoutTiming(Files.readAllLines(single.resolve(SweepResult.MARKDOWN))),
                withoutTiming(Files.readAllLines(viaCli.resolve(SweepResult.MARKDOWN))));
        code = SparkCli.run(new String[]{"sweep", "--train", train.toString()}, new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        assertEquals(2, code);
        assertTrue(err.toString().contains("Missing --grid") && err.toString().contains("loradrop-spark sweep --grid"), err.toString());

        // a task failing once is retried: every run back exactly once, with the same report
        int before = INJECTED.get();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Map<Integer, Map<String, Object>> again = SparkSweep.GridSweep.collect(
                gs.reports(sc.parallelize(List.of(0, 1, 2, 3), 4).mapPartitions(new FailOnce())));
        assertEquals(before + 1, INJECTED.get(), "one injected failure");
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(again.keySet()));
        for (int i = 0; i < 4; i++) {
            assertEquals(remote.reports().get(i).get("config_hash"), again.get(i).get("config_hash"));
            assertEquals(json(remote.reports().get(i).get("deterministic")), json(again.get(i).get("deterministic")));
        }
        // the output folder is not reused without resume; with it, nothing is trained again
        assertThrows(IllegalArgumentException.class, () -> gs.run(spark));
        SweepResult resumed = new SparkSweep.GridSweep(grid, base, train, dev, test, "text", "label", distributed, true, false).run(spark);
        assertSameTable(remote.table(), resumed.table());
    }

    /** Fails the first attempt of partition 1 before it yields anything. */
    static final class FailOnce implements org.apache.spark.api.java.function.FlatMapFunction<java.util.Iterator<Integer>, Integer> {
        private static final long serialVersionUID = 1L;

        @Override
        public java.util.Iterator<Integer> call(java.util.Iterator<Integer> in) {
            org.apache.spark.TaskContext t = org.apache.spark.TaskContext.get();
            if (t.partitionId() == 1 && t.attemptNumber() == 0) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure of task attempt " + t.taskAttemptId());
            }
            return in;
        }
    }

    static MutableDataset<Label> read(Path f) {
        return new MutableDataset<>(new TextDataSource(f, "text", "label"));
    }

    static String json(Object o) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(o);
    }

    /** Every column but the training time, row by row. */
    static void assertSameTable(ResultsTable expected, ResultsTable actual) {
        assertEquals(expected.rows().size(), actual.rows().size());
        for (int i = 0; i < expected.rows().size(); i++) {
            ResultsTable.Row e = expected.rows().get(i);
            ResultsTable.Row a = actual.rows().get(i);
            assertEquals(e.configLabel(), a.configLabel());
            assertEquals(e.settings(), a.settings());
            assertEquals(e.runs(), a.runs());
            assertEquals(e.seeds(), a.seeds());
            for (ResultsTable.Column c : ResultsTable.COLUMNS) {
                if (!c.key().contains("seconds")) {
                    assertEquals(e.mean().get(c.key()), a.mean().get(c.key()), c.key());
                    assertEquals(e.std().get(c.key()), a.std().get(c.key()), c.key());
                    assertEquals(e.counts().get(c.key()), a.counts().get(c.key()), c.key());
                }
            }
        }
    }

    /** Markdown table lines without their last cell (the training time). */
    static List<String> withoutTiming(List<String> lines) {
        return lines.stream().map(l -> l.startsWith("|") ? l.substring(0, l.lastIndexOf('|', l.length() - 2)) : l).toList();
    }

    @Test
    void runNamesMustBeUniqueAndUsableAsFileNames() {
        List<ConfigurationData> config = SparkSweep.Run.of("a", task.trainer().build()).configuration();
        assertThrows(IllegalArgumentException.class, () -> new SparkSweep.Run("../x", config));
        SparkSweep sweep = new SparkSweep(train, test, "text", "label", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sweep.run(spark, List.of(new SparkSweep.Run("a", config), new SparkSweep.Run("a", config))));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
    }
}
