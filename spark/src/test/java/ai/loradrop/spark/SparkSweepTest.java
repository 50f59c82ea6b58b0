/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationEvaluator;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextDataSource;
import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.io.XMLProvenanceSerialization;
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
