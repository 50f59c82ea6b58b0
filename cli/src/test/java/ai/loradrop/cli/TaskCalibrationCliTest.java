/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropMultiLabelModel;
import ai.loradrop.tribuo.LoraDropRegressionModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --task multilabel|regression --temperature-scaling}: the calibration fitted on {@code --dev} is saved
 * with the model (a shared temperature, or the variance calibration), the training report shows the calibrated
 * variants, {@code evaluate} of the saved model reproduces it, and {@code predict} gives the deterministic regression
 * model's calibrated variance.
 */
class TaskCalibrationCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path encoder;

    @BeforeAll
    static void encoder() throws IOException {
        encoder = TinyFixture.in(dir).encoder;
    }

    @Test
    void multiLabelTemperatureIsFittedOnDevAndSaved() throws Exception {
        Path train = TaskCliTest.multiLabelCsv(dir.resolve("ml-train.csv"), 8, 1);
        Path dev = TaskCliTest.multiLabelCsv(dir.resolve("ml-dev.csv"), 3, 3);
        Path test = TaskCliTest.multiLabelCsv(dir.resolve("ml-test.csv"), 3, 2);
        Path model = dir.resolve("ml.tribuo");
        Path report = dir.resolve("ml.json");
        List<String> args = TaskCliTest.common(encoder, train, test, model, report, 6, "1e-2");
        args.addAll(List.of("--task", "multilabel", "--dev", dev.toString(), "--temperature-scaling"));
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        JsonNode json = JSON.readTree(report.toFile());
        assertTrue(json.get("settings").get("temperature_scaling").asBoolean());
        double t = json.get("ensemble").get("temperature").asDouble();
        assertNotEquals(1.0, t, 1e-3, json.get("ensemble").toString());
        assertNotEquals(1.0, json.get("deterministic").get("temperature").asDouble(), 1e-3);
        try (LoraDropMultiLabelModel m = (LoraDropMultiLabelModel) Model.deserializeFromFile(model)) {
            assertEquals(4, m.getEnsembleSize());
            assertEquals(t, m.getTemperatures().orElseThrow().temperature(0), 0.0, "the ensemble's temperature is saved");
        }
        Path evalReport = dir.resolve("ml-eval.json");
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--report", evalReport.toString());
        assertEquals(0, e.code(), e.toString());
        JsonNode ej = JSON.readTree(evalReport.toFile());
        assertEquals(json.get("ensemble").get("ece").asDouble(), ej.get("ensemble").get("ece").asDouble(), 1e-12,
                "evaluate of the saved model reproduces the calibrated ensemble");
    }

    @Test
    void regressionVarianceCalibrationIsFittedOnDevAndSaved() throws Exception {
        Path train = TaskCliTest.regressionJsonl(dir.resolve("r-train.jsonl"), 8, 1);
        Path dev = TaskCliTest.regressionJsonl(dir.resolve("r-dev.jsonl"), 2, 3);
        Path test = TaskCliTest.regressionJsonl(dir.resolve("r-test.jsonl"), 3, 2);
        Path model = dir.resolve("r.tribuo");
        Path report = dir.resolve("r.json");
        List<String> args = TaskCliTest.common(encoder, train, test, model, report, 12, "2e-2");
        args.addAll(List.of("--task", "regression", "--label-column", "score", "--dev", dev.toString(),
                "--temperature-scaling"));
        args.set(args.indexOf("--ensemble") + 1, "1");
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        JsonNode det = JSON.readTree(report.toFile()).get("deterministic");
        assertEquals("saved with the model", det.get("variance_fitted_on").asText(), det.toString());
        double variance = det.get("variance").asDouble();
        assertTrue(variance > 0, det.toString());
        try (LoraDropRegressionModel m = (LoraDropRegressionModel) Model.deserializeFromFile(model)) {
            assertEquals(1, m.getEnsembleSize());
            assertEquals(variance, m.getVarianceCalibration().orElseThrow().scale(0), 0.0);
        }
        Path predictions = dir.resolve("r-pred.jsonl");
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", predictions.toString());
        assertEquals(0, p.code(), p.toString());
        JsonNode first = JSON.readTree(Files.readAllLines(predictions).get(0));
        assertEquals(variance, first.get("variance").asDouble(), 0.0, "the calibrated deterministic model's variance: " + first);
    }
}
