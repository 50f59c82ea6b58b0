/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.tribuo.LoraDropTrainer;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.classification.Label;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sweeps on the tiny encoder: every run's report, the results table, resuming in the same folder, dev-set selection
 * that never reads the test set, and the trainer fields applied through OLCUT.
 */
class SweepTest {
    @TempDir
    static Path shared;

    static SweepFixture fixture;
    static SweepResult reference;

    @BeforeAll
    static void sweepOnce() throws Exception {
        fixture = new SweepFixture(shared.resolve("fixture"));
        reference = new Sweep(SweepGrid.fromJson(SweepFixture.GRID_JSON), fixture.base(), SweepFixture.data(),
                shared.resolve("reference"), false, false).run();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyRunHasItsReportProvenanceAndEvaluations() throws Exception {
        assertEquals(8, reference.reports().size());
        for (Map<String, Object> r : reference.reports()) {
            Path file = shared.resolve("reference").resolve(Sweep.RUNS).resolve((String) r.get("config_hash")).resolve(Sweep.REPORT);
            assertTrue(Files.isRegularFile(file), file.toString());
            Map<String, Object> onDisk = new ObjectMapper().readValue(file.toFile(), Map.class);
            assertEquals(r.get("config_hash"), onDisk.get("config_hash"));
            Map<String, Object> det = (Map<String, Object>) r.get("deterministic");
            double acc = ((Number) det.get("accuracy")).doubleValue();
            assertTrue(acc > 0.0 && acc <= 1.0, "accuracy " + acc);
            assertEquals(24, ((Number) det.get("examples")).intValue());
            Map<String, Object> epochs = (Map<String, Object>) r.get("epochs");
            assertEquals(2, ((List<?>) epochs.get("train_loss")).size());
            assertEquals(2, ((List<?>) epochs.get("validation_loss")).size());
            Map<String, Object> prov = (Map<String, Object>) r.get("provenance");
            assertNotNull(prov);
            String provText = prov.toString();
            // The run's settings reached the trainer: its provenance records them.
            assertTrue(provText.contains("dropoutMode=" + ((Map<String, String>) r.get("axes")).get("dropoutMode")), provText);
            assertTrue(provText.contains("seed=" + r.get("seed")), provText);
            boolean dropout = !"0.0".equals(((Map<String, String>) r.get("axes")).get("dropout"));
            if (dropout) {
                assertEquals(3, ((Number) ((Map<String, Object>) r.get("ensemble")).get("ensemble_size")).intValue());
                List<Map<String, Object>> curve = (List<Map<String, Object>>) r.get("ensemble_curve");
                assertEquals(4, curve.size());
                // K = 1 of the curve is one member with its dropout masks, not the deterministic model.
                assertEquals(1, ((Number) curve.get(0).get("k")).intValue());
                assertNotNull(curve.get(2).get("ece_tempered"));
                assertNull(curve.get(3).get("ece_tempered"));
            } else {
                assertNull(r.get("ensemble"));
            }
            Map<String, Object> confusion = (Map<String, Object>) r.get("confusion");
            int total = 0;
            for (List<Number> row : (List<List<Number>>) confusion.get("matrix")) {   // lists in memory and on disk
                for (Number n : row) {
                    total += n.intValue();
                }
            }
            assertEquals(24, total);
        }
        for (String f : List.of(SweepResult.MARKDOWN, SweepResult.CSV, SweepResult.JSON, SweepResult.HTML)) {
            assertTrue(Files.notExists(shared.resolve("reference").resolve(f)), "writeAll is the caller's choice");
        }
        List<Path> files = reference.writeAll(shared.resolve("reference"));
        assertEquals(4, files.size());
        String md = Files.readString(shared.resolve("reference").resolve(SweepResult.MARKDOWN));
        assertTrue(md.contains("| dropoutMode=SPARSE dropout=0.2") || md.contains("**dropoutMode=SPARSE dropout=0.2**"), md);
        assertTrue(md.contains(" ± "), md);
        assertEquals(4 + 1, Files.readAllLines(shared.resolve("reference").resolve(SweepResult.CSV)).size());
    }

    @Test
    void tableShowsMeanAndSampleStdOverSeeds() {
        ResultsTable t = reference.table();
        assertEquals(4, t.rows().size());
        ResultsTable.Row row = t.rows().get(3);
        List<Double> acc = new ArrayList<>();
        for (Map<String, Object> r : reference.reports()) {
            if (r.get("config_label").equals(row.configLabel())) {
                acc.add(ResultsTable.COLUMNS.get(2).value(r));
            }
        }
        assertEquals(2, acc.size());
        double mean = (acc.get(0) + acc.get(1)) / 2;
        double std = Math.abs(acc.get(0) - acc.get(1)) / Math.sqrt(2);
        assertEquals(mean, row.mean().get("accuracy"), 1e-12);
        assertEquals(std, row.std().get("accuracy"), 1e-12);
    }

    @Test
    void resumingAFinishedSweepTrainsNothingAndGivesTheSameTable() throws Exception {
        Path dir = shared.resolve("reference");
        Map<Path, Long> modified = new HashMap<>();
        for (Map<String, Object> r : reference.reports()) {
            Path f = dir.resolve(Sweep.RUNS).resolve((String) r.get("config_hash")).resolve(Sweep.REPORT);
            modified.put(f, Files.getLastModifiedTime(f).toMillis());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sweep(
                SweepGrid.fromJson(SweepFixture.GRID_JSON), fixture.base(), SweepFixture.data(), dir, false, false).run());
        assertTrue(e.getMessage().contains("not empty") && e.getMessage().contains("--resume"), e.getMessage());
        List<String> progress = new ArrayList<>();
        SweepResult again = new Sweep(SweepGrid.fromJson(SweepFixture.GRID_JSON), fixture.base(), SweepFixture.data(),
                dir, true, false).progress(progress::add).run();
        assertEquals(List.of("sweep: 8 of 8 runs already finished in " + dir + "; resuming"), progress);
        assertEquals(reference.table().toMarkdown(), again.table().toMarkdown());
        assertEquals(reference.selection(), again.selection());
        for (Map.Entry<Path, Long> m : modified.entrySet()) {
            assertEquals(m.getValue(), Files.getLastModifiedTime(m.getKey()).toMillis(), "not rewritten: " + m.getKey());
        }
    }

    @Test
    void devSelectionNeverReadsTheTestSet() throws Exception {
        SweepData data = SweepFixture.data();
        SweepGrid seed1 = SweepGrid.fromJson(SweepFixture.GRID_JSON).withSeeds(List.of(1L));
        // A test set whose labels are all rotated: every test metric changes, the selection must not.
        Dataset<Label> rotated = SweepFixture.dataset(8, 3, 1);
        SweepResult withRotated = new Sweep(seed1, fixture.base(), new SweepData(data.train(), data.dev(), rotated),
                shared.resolve("rotated"), false, false).run();
        SweepResult noTest = new Sweep(seed1, fixture.base(), new SweepData(data.train(), data.dev(), null),
                shared.resolve("no-test"), false, false).run();
        List<Map<String, Object>> referenceSeed1 = reference.reports().subList(0, 4);
        List<Selection.DevScore> referenceScores = new ArrayList<>();
        referenceSeed1.forEach(r -> referenceScores.add(Selection.DevScore.of(r)));
        Selection expected = Selection.select(referenceScores);
        assertNotNull(expected);
        assertEquals(expected.bestConfig(), withRotated.selection().bestConfig());
        assertEquals(expected.bestConfig(), noTest.selection().bestConfig());
        // Dev entries are identical whatever the test set; test metrics are not.
        boolean testDiffers = false;
        for (int i = 0; i < 4; i++) {
            assertEquals(referenceSeed1.get(i).get("dev"), withRotated.reports().get(i).get("dev"));
            assertEquals(referenceSeed1.get(i).get("dev"), noTest.reports().get(i).get("dev"));
            assertNull(noTest.reports().get(i).get("deterministic"));
            testDiffers |= !referenceSeed1.get(i).get("deterministic").equals(withRotated.reports().get(i).get("deterministic"));
        }
        assertTrue(testDiffers, "the rotated test set changes the test metrics");

        // Selection itself: test metrics that favour another configuration are ignored.
        List<Map<String, Object>> reports = List.of(
                report("a", "h1", 0.80, 0.5, 0.10),
                report("a", "h2", 0.70, 0.6, 0.10),
                report("b", "h3", 0.74, 0.4, 0.99),
                report("b", "h4", 0.74, 0.4, 0.99));
        List<Selection.DevScore> scores = new ArrayList<>();
        reports.forEach(r -> scores.add(Selection.DevScore.of(r)));
        Selection s = Selection.select(scores);
        assertEquals("a", s.bestConfig());   // mean dev accuracy 0.75 > 0.74, though b has test accuracy 0.99
        assertEquals("h1", s.bestRun());
    }

    private static Map<String, Object> report(String config, String hash, double devAcc, double devNll, double testAcc) {
        Map<String, Object> r = new HashMap<>();
        r.put("config_label", config);
        r.put("config_hash", hash);
        r.put("dev", Map.of("deterministic", Map.of("accuracy", devAcc, "nll", devNll)));
        r.put("deterministic", Map.of("accuracy", testAcc, "nll", 0.01));
        return r;
    }

    @Test
    @SuppressWarnings("unchecked")
    void kFoldCrossValidationReplacesTheDevSet() throws Exception {
        SweepGrid grid = SweepGrid.fromJson(SweepFixture.GRID_JSON.replace("\"dropout\": [0.0, 0.2]", "\"dropout\": [0.2]")
                .replace("\"dropoutMode\": [\"INPUT\", \"SPARSE\"]", "\"dropoutMode\": [\"SPARSE\"]")).withSeeds(List.of(1L)).withFolds(2);
        SweepData data = SweepFixture.data();
        SweepResult r = new Sweep(grid, fixture.base(), new SweepData(data.train(), null, null), shared.resolve("cv"), false, false).run();
        assertEquals(1, r.reports().size());
        Map<String, Object> cv = (Map<String, Object>) r.reports().get(0).get("cross_validation");
        List<Double> folds = (List<Double>) cv.get("fold_accuracy");
        assertEquals(2, folds.size());
        double devAcc = Selection.DevScore.of(r.reports().get(0)).accuracy();
        assertEquals((folds.get(0) + folds.get(1)) / 2, devAcc, 1e-12);
        assertEquals("dropoutMode=SPARSE dropout=0.2", r.selection().bestConfig());
        assertThrows(IllegalArgumentException.class, () -> new Sweep(grid.withFolds(0), fixture.base(),
                new SweepData(data.train(), null, null), shared.resolve("no-dev"), false, false));
    }

    @Test
    void trainerFieldsAreAppliedAndBadValuesNameTheField() {
        LoraDropTrainer base = fixture.base();
        LoraDropTrainer t = TrainerFields.configure(base, Map.of("rank", "3", "targetModules", "query, key", "dropoutMode", "INPUT"));
        String config = t.getProvenance().getConfiguredParameters().toString();
        assertTrue(config.contains("rank=3") && config.contains("dropoutMode=INPUT"), config);
        assertTrue(config.contains("query") && config.contains("key"), config);
        assertTrue(RunExecutor.configuredLong(t, "rank", -1) == 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainerFields.configure(base, Map.of("dropout", "1.5")));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sweep(SweepGrid.fromJson(
                "{\"grid\": {\"dropout\": [0.1, 2.0]}}"), base, SweepFixture.data(), shared.resolve("bad"), false, false).run());
        assertTrue(e.getMessage().startsWith("run 2 (dropout=2.0 seed=1)") && e.getMessage().contains("dropout"), e.getMessage());
        assertTrue(Files.notExists(shared.resolve("bad")), "nothing is written before every run is checked");
    }
}
