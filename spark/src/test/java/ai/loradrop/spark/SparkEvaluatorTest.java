/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationEvaluator;
import ai.loradrop.calibration.CalibrationReport;
import ai.loradrop.calibration.ReliabilityTable;
import ai.loradrop.tribuo.LoraDropModel;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distributed evaluation (sums per partition, merged on the executors) equals Tribuo's {@link LabelEvaluator} and
 * the single-JVM {@link CalibrationEvaluator} on the same predictions, deterministic and ensemble: Tribuo's metrics
 * exactly, the calibration report up to the order of its sums.
 */
class SparkEvaluatorTest {
    /** Sums merged in another order than one pass: equal up to floating-point reassociation. */
    static final double SUM_ORDER_TOLERANCE = 1e-12;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path modelFile;
    static List<String[]> rows;

    @BeforeAll
    static void setUp() throws Exception {
        TinyTask task = new TinyTask(dir.resolve("tiny"));
        modelFile = task.trainAndSave(task.trainer().build(), dir.resolve("tiny.tribuo"));
        rows = TinyTask.rows(301, 11);
        spark = SparkTestSession.start("SparkEvaluatorTest");
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void deterministicEvaluationEqualsSingleJvm() throws Exception {
        check(1);
    }

    @Test
    void ensembleEvaluationEqualsSingleJvm() throws Exception {
        check(4);
    }

    private void check(int k) throws Exception {
        ModelHandle handle = ModelHandle.create(spark, modelFile, k, 5L, 1);
        try (LoraDropModel loaded = (LoraDropModel) Model.deserializeFromFile(modelFile);
             LoraDropModel m = loaded.withEnsemble(k, 5L)) {
            Dataset<Row> df = SparkScorerTest.frame(spark, rows, 6);
            DistributedEvaluation d = SparkEvaluator.defaults().evaluate(df, SparkScorer.defaults(), handle);

            var data = new org.tribuo.MutableDataset<Label>(new org.tribuo.provenance.SimpleDataSourceProvenance("rows",
                    new org.tribuo.classification.LabelFactory()), new org.tribuo.classification.LabelFactory());
            for (String[] r : rows) {
                data.add(ai.loradrop.tribuo.data.TextExamples.of(r[2], new Label(r[1])));
            }
            // one single-JVM call: the executors' predictions equal it whatever their batches
            List<Prediction<Label>> predictions = SparkScorerTest.reference(m, rows);
            LabelEvaluation tribuo = new LabelEvaluator().evaluate(m, predictions, data.getProvenance());
            assertEquals(rows.size(), d.examples());
            assertEquals(tribuo.accuracy(), d.accuracy(), 0.0);
            assertEquals(tribuo.macroAveragedF1(), d.macroF1(), 0.0);
            assertEquals(tribuo.microAveragedF1(), d.microF1(), 0.0);
            for (Label l : m.getOutputIDInfo().getDomain()) {
                assertEquals(tribuo.precision(l), d.precision(l), 0.0, l.getLabel());
                assertEquals(tribuo.recall(l), d.recall(l), 0.0, l.getLabel());
                assertEquals(tribuo.f1(l), d.f1(l), 0.0, l.getLabel());
                for (Label t : m.getOutputIDInfo().getDomain()) {
                    assertEquals(tribuo.getConfusionMatrix().confusion(l, t), d.confusionMatrix().confusion(l, t), 0.0);
                }
            }
            assertTrue(tribuo.accuracy() > 0.4 && tribuo.accuracy() < 1.0, "a partly trained model: " + tribuo.accuracy());

            CalibrationReport single = new CalibrationEvaluator().computeReport(m, predictions);
            CalibrationReport dist = d.calibration();
            assertEquals(single.examples(), dist.examples());
            assertEquals(single.accuracy(), dist.accuracy(), SUM_ORDER_TOLERANCE);
            assertEquals(single.ece(), dist.ece(), SUM_ORDER_TOLERANCE);
            assertEquals(single.mce(), dist.mce(), SUM_ORDER_TOLERANCE);
            assertEquals(single.brier(), dist.brier(), SUM_ORDER_TOLERANCE);
            assertEquals(single.nll(), dist.nll(), SUM_ORDER_TOLERANCE);
            assertTrue(single.ece() > 0, "a miscalibrated model gives a non-trivial check");
            for (int b = 0; b < single.numBins(); b++) {
                ReliabilityTable.Bin s = single.reliability().bin(b);
                ReliabilityTable.Bin x = dist.reliability().bin(b);
                assertEquals(s.count(), x.count(), "bin " + b);
                assertEquals(s.lower(), x.lower(), 0.0);
                assertEquals(s.meanConfidence(), x.meanConfidence(), SUM_ORDER_TOLERANCE);
                assertEquals(s.accuracy(), x.accuracy(), SUM_ORDER_TOLERANCE);
            }
            assertTrue(d.toJson().contains("\"macro_f1\""));
        } finally {
            handle.release();
        }
    }

    @Test
    void unknownLabelFailsTheJobNamingIt() throws Exception {
        ModelHandle handle = ModelHandle.create(spark, modelFile, 1, null, 1);
        try {
            List<String[]> bad = new ArrayList<>(rows.subList(0, 20));
            bad.add(new String[]{"x1", "mineral", "a red stone"});
            Dataset<Row> df = SparkScorerTest.frame(spark, bad, 2);
            SparkException e = assertThrows(SparkException.class,
                    () -> SparkEvaluator.defaults().evaluate(df, SparkScorer.defaults(), handle));
            assertTrue(String.valueOf(e.getMessage()).contains("'mineral'"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new SparkEvaluator("gold", 15).evaluate(df, SparkScorer.defaults(), handle));
        } finally {
            handle.release();
        }
    }
}
