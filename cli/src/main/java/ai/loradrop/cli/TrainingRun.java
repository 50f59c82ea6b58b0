/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import org.tribuo.Dataset;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One fine-tuning run as {@code train} and {@code demo} do it: train (with the dev set as validation data), optionally
 * fit temperatures on the dev set, save the model with its ensemble option, evaluate the deterministic model and the
 * ensemble on the test set, write the report and the reliability diagram.
 *
 * @param trainer            the configured trainer.
 * @param train              the training data.
 * @param dev                the validation data, or null.
 * @param test               the test data, or null.
 * @param testName           the test data's description for messages.
 * @param ensembleSize       the test-time ensemble size K saved with the model (1: none).
 * @param ensembleSeed       the seed of the ensemble's masks.
 * @param temperatureScaling whether to fit temperatures on the dev set.
 * @param output             the model file.
 * @param report             the JSON report file, or null.
 * @param diagramPrefix      the diagram path prefix, or null.
 * @param settings           the settings recorded in the report.
 */
record TrainingRun(LoraDropTrainer trainer, Dataset<Label> train, Dataset<Label> dev, Dataset<Label> test, String testName,
                   int ensembleSize, long ensembleSeed, boolean temperatureScaling, Path output, Path report,
                   String diagramPrefix, Map<String, Object> settings) {
    private static final Logger logger = Logger.getLogger(TrainingRun.class.getName());

    /**
     * What a run produced.
     * @param model the model file.
     * @param report the report file, or null.
     * @param diagrams the diagram files (empty without a test set or prefix).
     * @param evaluation the test evaluation, or null without a test set.
     * @param reportJson the report contents.
     */
    record Outcome(Path model, Path report, List<Path> diagrams, EvaluationReport evaluation, Map<String, Object> reportJson) {}

    /**
     * Runs it.
     * @param out where evaluations and results are printed.
     * @return the outcome.
     * @throws IOException when a file cannot be written.
     */
    Outcome run(PrintStream out) throws IOException {
        if (temperatureScaling && dev == null) {
            throw new IllegalArgumentException("Temperature scaling needs a dev set");
        }
        logger.info("Training with " + trainer);
        long t0 = System.nanoTime();
        LoraDropModel model = dev != null ? trainer.train(train, dev) : trainer.train(train);
        double wall = (System.nanoTime() - t0) / 1e9;
        List<LoraDropModel> open = new ArrayList<>(List.of(model));
        try {
            // The trainer may already give the model its ensemble; the deterministic variant is always K = 1.
            LoraDropModel det = model.getEnsembleSize() > 1 ? track(open, model.withEnsemble(1, model.getEnsembleSeed())) : model;
            LoraDropModel ens = null;
            if (temperatureScaling) {
                det = track(open, det.fitTemperature(dev));
            }
            if (ensembleSize > 1) {
                ens = model.getEnsembleSize() == ensembleSize && model.getEnsembleSeed() == ensembleSeed ? model
                        : track(open, model.withEnsemble(ensembleSize, ensembleSeed));
                if (temperatureScaling) {
                    ens = track(open, ens.fitTemperature(dev));
                }
            }
            LoraDropModel saved = ens != null ? ens : det;
            ai.loradrop.io.AtomicFiles.write(output, "model", saved.serialize()::writeTo);
            out.println("Model (K=" + saved.getEnsembleSize() + ", temperature "
                    + String.format(Locale.ROOT, "%.4f", saved.getTemperature()) + ") written to " + output);

            EvaluationReport evaluation = null;
            if (test != null) {
                evaluation = EvaluationReport.run(det, ens, test, testName, out);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", "train");
            json.put("model", output.toAbsolutePath().toString());
            json.putAll(JsonReport.trainingStats(model.getProvenance()));
            json.put("train_wall_seconds", wall);
            json.put("train_examples", train.size());
            json.put("dev_examples", dev == null ? null : dev.size());
            if (evaluation != null) {
                json.putAll(evaluation.toJson());
            } else {
                json.put("test_examples", 0);
                json.put(EvaluationReport.DETERMINISTIC, null);
                json.put(EvaluationReport.ENSEMBLE, null);
            }
            json.put("settings", settings);
            json.put("provenance", JsonReport.provenance(saved.getProvenance()));
            if (report != null) {
                JsonReport.write(report, json);
                out.println("Report written to " + report);
            }
            List<Path> diagrams = List.of();
            if (diagramPrefix != null && evaluation != null) {
                diagrams = evaluation.writeDiagram(diagramPrefix, testName);
                out.println("Reliability diagram written to " + diagrams.get(0) + " and " + diagrams.get(1));
            }
            return new Outcome(output, report, diagrams, evaluation, json);
        } finally {
            open.forEach(LoraDropModel::close);
        }
    }

    private static LoraDropModel track(List<LoraDropModel> open, LoraDropModel m) {
        open.add(m);
        return m;
    }
}
