/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.calibration.CalibrationEvaluation;
import ai.loradrop.calibration.CalibrationEvaluator;
import ai.loradrop.calibration.CalibrationReport;
import ai.loradrop.tribuo.LoraDropModel;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * The evaluation of one variant of a model (deterministic, or a test-time ensemble) on labelled data: Tribuo's
 * {@link LabelEvaluation} and LoRA-Drop's {@link CalibrationEvaluation}, from a single pass of predictions.
 *
 * @param name        the variant's name, e.g. "deterministic" or "ensemble K=8".
 * @param ensembleSize the ensemble size K of the variant (1: deterministic).
 * @param ensembleSeed the seed of the ensemble's masks.
 * @param temperature the variant's temperature.
 * @param labels      Tribuo's label evaluation.
 * @param calibration the calibration evaluation.
 * @param seconds     the wall time of prediction.
 */
record VariantEvaluation(String name, int ensembleSize, long ensembleSeed, double temperature, LabelEvaluation labels,
                         CalibrationEvaluation calibration, double seconds) {
    private static final Logger logger = Logger.getLogger(VariantEvaluation.class.getName());

    /**
     * Predicts the data with the model and evaluates the predictions.
     * @param name the variant's name.
     * @param model the model.
     * @param data labelled data whose labels the model knows (see {@link #checkLabels}).
     * @return the evaluation.
     */
    static VariantEvaluation of(String name, LoraDropModel model, Dataset<Label> data) {
        long t0 = System.nanoTime();
        List<Prediction<Label>> predictions = model.predict(data);
        double seconds = (System.nanoTime() - t0) / 1e9;
        logger.info(String.format(Locale.ROOT, "Predicted %d examples with the %s model in %.1f s (%.1f examples/s)",
                predictions.size(), name, seconds, predictions.size() / Math.max(seconds, 1e-9)));
        LabelEvaluation labels = new LabelEvaluator().evaluate(model, predictions, data.getProvenance());
        CalibrationEvaluation calibration = new CalibrationEvaluator().evaluate(model, predictions, data.getProvenance());
        return new VariantEvaluation(name, model.getEnsembleSize(), model.getEnsembleSeed(), model.getTemperature(),
                labels, calibration, seconds);
    }

    /**
     * Checks that every example's label is one the model was trained on.
     * @param model the model.
     * @param data the labelled data.
     * @param what the data's description for messages, e.g. its file name.
     * @throws IllegalArgumentException naming the first unknown label, its data row (1-based, header excluded) and id.
     */
    static void checkLabels(LoraDropModel model, Dataset<Label> data, String what) {
        ImmutableOutputInfo<Label> domain = model.getOutputIDInfo();
        int row = 0;
        for (Example<Label> e : data) {
            row++;
            if (domain.getID(e.getOutput()) < 0) {
                Object id = e.getMetadataValue("id").orElse(null);
                TreeSet<String> known = new TreeSet<>();
                domain.getDomain().forEach(l -> known.add(l.getLabel()));
                throw new IllegalArgumentException(String.format("%s: data row %d%s has label '%s', which the model never"
                                + " saw in training; its %d labels are %s", what, row, id == null ? "" : " (id " + id + ")",
                        e.getOutput().getLabel(), known.size(), known));
            }
        }
    }

    /** The calibration report. */
    CalibrationReport report() {
        return calibration.report();
    }

    /** The report entry: accuracy, macro F1, calibration metrics and reliability bins. */
    Map<String, Object> toJson() {
        CalibrationReport r = report();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ensemble_size", ensembleSize);
        if (ensembleSize > 1) {
            m.put("ensemble_seed", ensembleSeed);
        }
        m.put("temperature", JsonReport.finite(temperature));
        m.put("examples", r.examples());
        m.put("accuracy", JsonReport.finite(labels.accuracy()));
        m.put("macro_f1", JsonReport.finite(labels.macroAveragedF1()));
        m.put("ece", JsonReport.finite(r.ece()));
        m.put("mce", JsonReport.finite(r.mce()));
        m.put("brier", JsonReport.finite(r.brier()));
        m.put("nll", JsonReport.finite(r.nll()));
        m.put("predict_seconds", JsonReport.finite(seconds));
        m.put("reliability", r.toMap().get("bins"));
        return m;
    }

    /** Prints Tribuo's evaluation summary and the calibration table. */
    void print(PrintStream out) {
        out.println("=== " + name + " (K=" + ensembleSize + ", temperature " + String.format(Locale.ROOT, "%.4f", temperature) + ") ===");
        out.println(labels.toString());
        out.println(report().toString());
    }

    /** One line: accuracy, macro F1, ECE, MCE, Brier, NLL. */
    String summaryLine() {
        CalibrationReport r = report();
        return String.format(Locale.ROOT, "%-20s accuracy %.4f  macro-F1 %.4f  ECE %.4f  MCE %.4f  Brier %.4f  NLL %.4f",
                name, labels.accuracy(), labels.macroAveragedF1(), r.ece(), r.mce(), r.brier(), r.nll());
    }

    /** Summary lines of several variants. */
    static List<String> summary(List<VariantEvaluation> variants) {
        List<String> lines = new ArrayList<>();
        for (VariantEvaluation v : variants) {
            lines.add(v.summaryLine());
        }
        return lines;
    }
}
