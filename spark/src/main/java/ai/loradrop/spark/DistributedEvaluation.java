/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationReport;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.ConfusionMatrix;
import org.tribuo.classification.evaluation.ConfusionMetrics;
import org.tribuo.evaluation.metrics.MetricTarget;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation of a model on a distributed data set, computed from sums aggregated on the executors
 * ({@link SparkEvaluator}): Tribuo's classification metrics ({@link ConfusionMetrics} over the aggregated
 * {@linkplain #confusionMatrix() confusion counts}, so the numbers are those of Tribuo's {@code LabelEvaluation} on
 * the same predictions) and the calibration report ({@link CalibrationReport}, as
 * {@code ai.loradrop.calibration.CalibrationEvaluator} computes it on one machine). Immutable.
 */
public final class DistributedEvaluation {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ConfusionCounts confusion;
    private final CalibrationReport calibration;

    DistributedEvaluation(ImmutableOutputInfo<Label> domain, EvaluationTotals totals) {
        double[][] copy = new double[totals.confusion.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = totals.confusion[i].clone();
        }
        this.confusion = new ConfusionCounts(domain, copy);
        this.calibration = totals.calibration.report();
    }

    /**
     * The confusion counts, as Tribuo's confusion matrix interface.
     * @return the matrix.
     */
    public ConfusionMatrix<Label> confusionMatrix() {
        return confusion;
    }

    /**
     * The number of examples evaluated.
     * @return the count.
     */
    public int examples() {
        return calibration.examples();
    }

    /**
     * Accuracy, Tribuo's micro-averaged accuracy.
     * @return the fraction of correct predictions.
     */
    public double accuracy() {
        return ConfusionMetrics.accuracy(MetricTarget.<Label>microAverageTarget(), confusion);
    }

    /**
     * Precision of one label.
     * @param label the label.
     * @return tp / (tp + fp).
     */
    public double precision(Label label) {
        return ConfusionMetrics.precision(new MetricTarget<>(label), confusion);
    }

    /**
     * Recall of one label.
     * @param label the label.
     * @return tp / (tp + fn).
     */
    public double recall(Label label) {
        return ConfusionMetrics.recall(new MetricTarget<>(label), confusion);
    }

    /**
     * F1 of one label.
     * @param label the label.
     * @return the harmonic mean of precision and recall.
     */
    public double f1(Label label) {
        return ConfusionMetrics.f1(new MetricTarget<>(label), confusion);
    }

    /**
     * Macro-averaged F1 (Tribuo's: the mean of the per-label F1).
     * @return the macro F1.
     */
    public double macroF1() {
        return ConfusionMetrics.f1(MetricTarget.<Label>macroAverageTarget(), confusion);
    }

    /**
     * Micro-averaged F1.
     * @return the micro F1.
     */
    public double microF1() {
        return ConfusionMetrics.f1(MetricTarget.<Label>microAverageTarget(), confusion);
    }

    /**
     * The calibration report (ECE, MCE, Brier, NLL, reliability bins).
     * @return the report.
     */
    public CalibrationReport calibration() {
        return calibration;
    }

    /**
     * The evaluation as nested maps of plain values (for JSON): {@code examples}, {@code accuracy}, {@code macro_f1},
     * {@code micro_f1}, {@code ece}, {@code mce}, {@code brier}, {@code nll}, {@code per_label} (precision, recall,
     * f1, support per label), {@code confusion} ({@code truth -> predicted -> count}) and {@code reliability} (the
     * calibration bins). Undefined values are null.
     * @return an insertion-ordered map.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", examples());
        m.put("accuracy", finite(accuracy()));
        m.put("macro_f1", finite(macroF1()));
        m.put("micro_f1", finite(microF1()));
        Map<String, Object> cal = calibration.toMap();
        for (String k : new String[]{"ece", "mce", "brier", "nll"}) {
            m.put(k, cal.get(k));
        }
        Map<String, Object> perLabel = new LinkedHashMap<>();
        Map<String, Object> matrix = new LinkedHashMap<>();
        for (Label truth : confusion.getLabelOrder()) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("precision", finite(precision(truth)));
            l.put("recall", finite(recall(truth)));
            l.put("f1", finite(f1(truth)));
            l.put("support", confusion.support(truth));
            perLabel.put(truth.getLabel(), l);
            Map<String, Object> row = new LinkedHashMap<>();
            for (Label predicted : confusion.getLabelOrder()) {
                row.put(predicted.getLabel(), confusion.confusion(predicted, truth));
            }
            matrix.put(truth.getLabel(), row);
        }
        m.put("per_label", perLabel);
        m.put("confusion", matrix);
        m.put("reliability", cal.get("bins"));
        return m;
    }

    /**
     * {@link #toMap()} as indented JSON.
     * @return the JSON text.
     */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Cannot write the evaluation as JSON", e);
        }
    }

    /**
     * A readable summary: the metrics, the per-label table and the calibration report.
     * @return the text.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d examples: accuracy %.4f, macro F1 %.4f, micro F1 %.4f%n", examples(),
                accuracy(), macroF1(), microF1()));
        sb.append(String.format(Locale.ROOT, "%-20s %9s %9s %9s %9s%n", "label", "precision", "recall", "f1", "support"));
        for (Label l : confusion.getLabelOrder()) {
            sb.append(String.format(Locale.ROOT, "%-20s %9.4f %9.4f %9.4f %9.0f%n", l.getLabel(), precision(l), recall(l),
                    f1(l), confusion.support(l)));
        }
        sb.append(calibration);
        return sb.toString();
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
