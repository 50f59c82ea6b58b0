/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.evaluation.Evaluation;
import org.tribuo.evaluation.metrics.MetricID;
import org.tribuo.evaluation.metrics.MetricTarget;
import org.tribuo.provenance.EvaluationProvenance;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The calibration of a Tribuo classification model on a test set, produced by {@link CalibrationEvaluator}:
 * top-label ECE and MCE, Brier score, NLL, accuracy and the reliability table, with Tribuo provenance of the
 * model and the test data. Immutable.
 * <p>
 * {@link #asMap()} holds the scalar metrics under {@link #ECE}, {@link #MCE}, {@link #BRIER}, {@link #NLL} and
 * {@link #ACCURACY}, all targeted at the micro average since they pool all examples.
 */
public final class CalibrationEvaluation implements Evaluation<Label> {

    /** Top-label expected calibration error. */
    public static final MetricID<Label> ECE = metric("ece");
    /** Maximum calibration error over non-empty bins. */
    public static final MetricID<Label> MCE = metric("mce");
    /** Multi-class Brier score. */
    public static final MetricID<Label> BRIER = metric("brier");
    /** Mean negative log-likelihood of the true label. */
    public static final MetricID<Label> NLL = metric("nll");
    /** Accuracy of the most probable label. */
    public static final MetricID<Label> ACCURACY = metric("accuracy");

    private final CalibrationReport report;
    private final List<Prediction<Label>> predictions;
    private final EvaluationProvenance provenance;
    private final Map<MetricID<Label>, Double> metrics;

    /**
     * Creates an evaluation; normally called by {@link CalibrationEvaluator}.
     *
     * @param report      the calibration report computed from the predictions.
     * @param predictions the evaluated predictions.
     * @param provenance  the provenance of the model and the test data.
     */
    public CalibrationEvaluation(CalibrationReport report, List<Prediction<Label>> predictions,
                                 EvaluationProvenance provenance) {
        this.report = Objects.requireNonNull(report, "report");
        this.predictions = Collections.unmodifiableList(List.copyOf(predictions));
        this.provenance = Objects.requireNonNull(provenance, "provenance");
        Map<MetricID<Label>, Double> map = new LinkedHashMap<>();
        map.put(ECE, report.ece());
        map.put(MCE, report.mce());
        map.put(BRIER, report.brier());
        map.put(NLL, report.nll());
        map.put(ACCURACY, report.accuracy());
        this.metrics = Collections.unmodifiableMap(map);
    }

    private static MetricID<Label> metric(String name) {
        return new MetricID<>(MetricTarget.<Label>microAverageTarget(), name);
    }

    @Override
    public Map<MetricID<Label>, Double> asMap() {
        return metrics;
    }

    @Override
    public List<Prediction<Label>> getPredictions() {
        return predictions;
    }

    @Override
    public EvaluationProvenance getProvenance() {
        return provenance;
    }

    /**
     * Returns the full calibration report.
     *
     * @return the report.
     */
    public CalibrationReport report() {
        return report;
    }

    /**
     * Returns the top-label expected calibration error.
     *
     * @return the ECE.
     */
    public double ece() {
        return report.ece();
    }

    /**
     * Returns the maximum calibration error.
     *
     * @return the MCE.
     */
    public double mce() {
        return report.mce();
    }

    /**
     * Returns the multi-class Brier score.
     *
     * @return the Brier score.
     */
    public double brier() {
        return report.brier();
    }

    /**
     * Returns the mean negative log-likelihood of the true labels.
     *
     * @return the NLL in nats.
     */
    public double nll() {
        return report.nll();
    }

    /**
     * Returns the accuracy of the most probable label.
     *
     * @return the accuracy.
     */
    public double accuracy() {
        return report.accuracy();
    }

    /**
     * Returns the per-bin reliability statistics.
     *
     * @return the reliability table.
     */
    public ReliabilityTable reliability() {
        return report.reliability();
    }

    @Override
    public String toString() {
        return report.toString();
    }
}
