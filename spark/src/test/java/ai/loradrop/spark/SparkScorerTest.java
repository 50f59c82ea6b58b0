/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.Uncertainty;
import ai.loradrop.tribuo.data.TextExamples;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scoring in Spark local mode equals {@link LoraDropModel#predict} of all rows in one single-JVM call exactly
 * ({@code ==} on the doubles), whatever the partitioning and the rows per prediction call (inference batches are
 * length-bucketed, so a row's scores do not depend on its batch mates), deterministic and ensemble, single texts and
 * sentence pairs; and each executor JVM deserializes a handle's model once whatever the number of partitions and jobs.
 */
class SparkScorerTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path modelFile;
    static List<String[]> rows;

    static TinyTask task;

    @BeforeAll
    static void setUp() throws Exception {
        task = new TinyTask(dir.resolve("tiny"));
        modelFile = task.trainAndSave(task.trainer().build(), dir.resolve("tiny.tribuo"));
        rows = TinyTask.rows(203, 7);
        spark = SparkTestSession.start("SparkScorerTest");
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    /**
     * The rows as a DataFrame of {@code partitions} contiguous slices (Spark's parallelize: slice {@code i} holds rows
     * {@code [i·n/p, (i+1)·n/p)}), so a test knows which rows each partition scores together.
     */
    static Dataset<Row> frame(SparkSession spark, List<String[]> rows, int partitions) {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.StringType)
                .add("text", DataTypes.StringType);
        List<Row> list = new ArrayList<>();
        for (String[] r : rows) {
            list.add(RowFactory.create((Object[]) r));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(sc.parallelize(list, partitions), schema);
    }

    /** Examples of the rows. */
    static List<Example<Label>> examples(List<String[]> rows) {
        List<Example<Label>> examples = new ArrayList<>();
        for (String[] r : rows) {
            examples.add(TextExamples.of(r[2], new Label(r[1])));
        }
        return examples;
    }

    /** The single-JVM predictions of all rows in one call, in row order. */
    static List<Prediction<Label>> reference(LoraDropModel m, List<String[]> rows) {
        return m.predict(examples(rows));
    }

    /**
     * Asserts that every row is scored once, its input columns kept, and its scores equal the expected predictions
     * exactly.
     */
    static void assertSameScores(List<Prediction<Label>> expected, List<String[]> rows, List<Row> scored, boolean ensemble) {
        double tolerance = 0.0;
        assertEquals(rows.size(), scored.size());
        Map<String, Row> byId = new HashMap<>();
        for (Row r : scored) {
            byId.put(r.getString(0), r);
        }
        assertEquals(rows.size(), byId.size(), "every id once");
        for (int i = 0; i < rows.size(); i++) {
            Row r = byId.get(rows.get(i)[0]);
            Prediction<Label> p = expected.get(i);
            assertEquals(rows.get(i)[1], r.getAs("label"), "input columns kept");
            assertEquals(rows.get(i)[2], r.getAs("text"));
            assertEquals(p.getOutput().getLabel(), r.getAs(SparkScorer.PREDICTION), rows.get(i)[2]);
            assertEquals(p.getOutput().getScore(), (double) r.getAs(SparkScorer.PROBABILITY), tolerance, rows.get(i)[2]);
            scala.collection.Map<String, Double> dist = r.getAs(SparkScorer.PROBABILITIES);
            for (Label l : p.getOutputScores().values()) {
                assertEquals(l.getScore(), (double) dist.apply(l.getLabel()), tolerance);
            }
            List<Row> top = r.getList(r.fieldIndex(SparkScorer.TOP_K));
            assertEquals(3, top.size());
            assertEquals(p.getOutput().getLabel(), top.get(0).getString(0));
            if (ensemble) {
                Uncertainty u = LoraDropModel.uncertainty(p);
                assertEquals(u.entropy(), (double) r.getAs(SparkScorer.ENTROPY), tolerance);
                assertEquals(u.mutualInformation(), (double) r.getAs(SparkScorer.MUTUAL_INFORMATION), tolerance);
                assertEquals(u.agreement(), (double) r.getAs(SparkScorer.AGREEMENT), 0.0);
            } else {
                assertTrue(!List.of(r.schema().fieldNames()).contains(SparkScorer.ENTROPY));
            }
        }
    }

    /** Partitionings and rows per prediction call the exact tests score with (each a Spark job). */
    static final int[][] LAYOUTS = {{1, 256}, {5, 16}, {3, 1}, {7, 5}};

    @Test
    void deterministicScoresEqualSingleJvmPredictionsWhateverTheBatching() throws Exception {
        ModelHandle handle = ModelHandle.create(spark, modelFile, 0, null, 1);
        try (LoraDropModel m = (LoraDropModel) Model.deserializeFromFile(modelFile)) {
            List<Prediction<Label>> expected = reference(m, rows);
            for (int[] layout : LAYOUTS) {
                List<Row> scored = new SparkScorer("text", null, layout[1], 3).score(frame(spark, rows, layout[0]), handle)
                        .collectAsList();
                assertSameScores(expected, rows, scored, false);
            }
        } finally {
            handle.release();
        }
    }

    @Test
    void ensembleScoresAndUncertaintyEqualSingleJvmPredictionsWhateverTheBatching() throws Exception {
        ModelHandle handle = ModelHandle.create(spark, modelFile, 4, 3L, 1);
        try (LoraDropModel m = (LoraDropModel) Model.deserializeFromFile(modelFile);
             LoraDropModel ensemble = m.withEnsemble(4, 3L)) {
            List<Prediction<Label>> expected = reference(ensemble, rows);
            for (int[] layout : LAYOUTS) {
                List<Row> scored = new SparkScorer("text", null, layout[1], 3).score(frame(spark, rows, layout[0]), handle)
                        .collectAsList();
                assertSameScores(expected, rows, scored, true);
            }
        } finally {
            handle.release();
        }
    }

    /** Pair rows {@code (id, label, text, pair)} as a DataFrame of {@code partitions} slices. */
    static Dataset<Row> pairFrame(SparkSession spark, List<String[]> rows, int partitions) {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.StringType)
                .add("text", DataTypes.StringType).add("pair", DataTypes.StringType);
        List<Row> list = new ArrayList<>();
        for (String[] r : rows) {
            list.add(RowFactory.create((Object[]) r));
        }
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(list, partitions), schema);
    }

    @Test
    void pairColumnScoresAndEvaluationEqualSingleJvmPredictionsOnPairs() throws Exception {
        Path pairModel = task.trainPairsAndSave(dir.resolve("pairs.tribuo"));
        List<String[]> pairs = TinyTask.pairRows(90, 4);
        ModelHandle handle = ModelHandle.create(spark, pairModel, 0, null, 1);
        try (LoraDropModel m = (LoraDropModel) Model.deserializeFromFile(pairModel)) {
            assertTrue(handle.isPairModel());
            var data = new org.tribuo.MutableDataset<Label>(new org.tribuo.provenance.SimpleDataSourceProvenance("pairs",
                    new org.tribuo.classification.LabelFactory()), new org.tribuo.classification.LabelFactory());
            for (String[] r : pairs) {
                data.add(TextExamples.of(r[2], r[3], new Label(r[1]), 1f));
            }
            List<Prediction<Label>> expected = m.predict(data);
            // the pair matters: the same first texts alone score differently
            List<Example<Label>> firstOnly = new ArrayList<>();
            for (String[] r : pairs) {
                firstOnly.add(TextExamples.of(r[2], "the", new Label(r[1]), 1f));
            }
            assertTrue(m.predict(firstOnly).get(2).getOutput().getScore() != expected.get(2).getOutput().getScore());
            for (int[] layout : new int[][]{{1, 256}, {4, 3}}) {
                SparkScorer scorer = new SparkScorer("text", "pair", layout[1], 3);
                List<Row> scored = scorer.score(pairFrame(spark, pairs, layout[0]), handle).collectAsList();
                List<String[]> asRows = pairs.stream().map(r -> new String[]{r[0], r[1], r[2]}).toList();
                assertSameScores(expected, asRows, scored, false);
                for (Row r : scored) {
                    assertEquals(pairs.get(Integer.parseInt(r.getString(0).substring(1)))[3], r.getAs("pair"));
                }
                DistributedEvaluation d = SparkEvaluator.defaults().evaluate(pairFrame(spark, pairs, layout[0]), scorer, handle);
                org.tribuo.classification.evaluation.LabelEvaluation tribuo =
                        new org.tribuo.classification.evaluation.LabelEvaluator().evaluate(m, expected, data.getProvenance());
                assertEquals(tribuo.accuracy(), d.accuracy(), 0.0);
                assertEquals(tribuo.macroAveragedF1(), d.macroF1(), 0.0);
                ai.loradrop.calibration.CalibrationReport single =
                        new ai.loradrop.calibration.CalibrationEvaluator().computeReport(m, expected);
                assertEquals(single.ece(), d.calibration().ece(), SparkEvaluatorTest.SUM_ORDER_TOLERANCE);
                assertEquals(single.nll(), d.calibration().nll(), SparkEvaluatorTest.SUM_ORDER_TOLERANCE);
            }
            assertThrows(IllegalArgumentException.class,
                    () -> new SparkScorer("text", null, 8, 3).score(pairFrame(spark, pairs, 1), handle));
        } finally {
            handle.release();
        }
    }

    @Test
    void eachExecutorLoadsTheModelOnce() throws Exception {
        ModelHandle handle = ModelHandle.create(spark, modelFile, 0, null, 1);
        try {
            int before = ExecutorModels.loads();
            SparkScorer scorer = new SparkScorer("text", null, 8, 2);
            assertEquals(rows.size(), scorer.score(frame(spark, rows, 7), handle).count());
            assertEquals(rows.size(), scorer.score(frame(spark, rows, 4), handle).count());
            // local mode: one executor (this JVM), 11 tasks over two jobs, two of them at a time
            assertEquals(1, handle.loads(), "loads counted by the tasks");
            assertEquals(before + 1, ExecutorModels.loads(), "loads counted in the executor JVM");
            LoraDropModel shared = ExecutorModels.get(handle);
            assertEquals(1, shared.getThreads(), "the handle's thread count");
            assertEquals(before + 1, ExecutorModels.loads(), "the tasks' model is the one this JVM holds");
            handle.release();
            assertTrue(shared.isClosed(), "released (and at JVM shutdown) the executor's model and its sessions close");
        } finally {
            handle.release();
        }
    }

    @Test
    void badColumnsAreRejectedBeforeAnyWork() throws Exception {
        ModelHandle handle = ModelHandle.create(spark, modelFile, 0, null, 1);
        try {
            Dataset<Row> df = frame(spark, rows, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SparkScorer("body", null, 8, 2).score(df, handle));
            assertTrue(e.getMessage().contains("no text column 'body'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new SparkScorer("text", null, 8, 2).score(df.withColumnRenamed("label", "prediction"), handle));
            assertTrue(e.getMessage().contains("already has a column 'prediction'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new SparkScorer("text", "label", 8, 2).score(df, handle));
            assertTrue(e.getMessage().contains("single texts"), e.getMessage());
            assertEquals(0, handle.loads());
        } finally {
            handle.release();
        }
    }
}
