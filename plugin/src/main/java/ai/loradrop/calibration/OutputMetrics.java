/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.evaluation.MultiLabelEvaluation;
import org.tribuo.multilabel.evaluation.MultiLabelEvaluator;
import org.tribuo.provenance.DataProvenance;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.evaluation.RegressionEvaluation;
import org.tribuo.regression.evaluation.RegressionEvaluator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report metrics of the multi-label and regression tasks, written once for every report that shows them (the
 * {@code loradrop train}/{@code evaluate} JSON under {@code deterministic} and {@code ensemble}, and the Tribuo
 * baselines): Tribuo's own evaluators for the point metrics, this package for calibration.
 * <ul>
 *     <li>multi-label: {@value #MICRO_F1}, {@value #MACRO_F1}, {@value #JACCARD} ({@link MultiLabelEvaluator}),
 *     {@value #ECE} and {@value #BRIER} pooled over every (example, label) pair, and {@value #MEAN_LABEL_ECE}
 *     ({@link MultiLabelCalibration});</li>
 *     <li>regression: {@value #RMSE}, {@value #MAE}, {@value #R2} (means over dimensions, {@link RegressionEvaluator}),
 *     {@value #NLL} (Gaussian) and {@value #COVERAGE} (the central 50/80/95% intervals, {@link RegressionCalibration}).</li>
 * </ul>
 */
public final class OutputMetrics {
    /** Micro-averaged F1 over labels. */
    public static final String MICRO_F1 = "micro_f1";
    /** Macro-averaged F1 over labels. */
    public static final String MACRO_F1 = "macro_f1";
    /** Tribuo's Jaccard score (mean over examples of |predicted ∩ true| / |predicted ∪ true|). */
    public static final String JACCARD = "jaccard";
    /** Expected calibration error pooled over (example, label) pairs. */
    public static final String ECE = "ece";
    /** Brier score pooled over (example, label) pairs. */
    public static final String BRIER = "brier";
    /** The mean over labels of each label's ECE. */
    public static final String MEAN_LABEL_ECE = "mean_label_ece";
    /** Root mean squared error, mean over dimensions. */
    public static final String RMSE = "rmse";
    /** Mean absolute error, mean over dimensions. */
    public static final String MAE = "mae";
    /** Coefficient of determination, mean over dimensions. */
    public static final String R2 = "r2";
    /** Mean Gaussian negative log-likelihood. */
    public static final String NLL = "nll";
    /** Coverage of the central intervals, keyed by level. */
    public static final String COVERAGE = "coverage";

    private OutputMetrics() {}

    /**
     * The multi-label metrics of a set of predictions.
     * @param model the model that made them (Tribuo's evaluator records it).
     * @param predictions the predictions, each carrying every label's score and its example's true labels.
     * @param data the provenance of the evaluated data.
     * @param threshold the decision threshold the calibration report's accuracy uses.
     * @return the metrics by key, in a fixed order.
     */
    public static Map<String, Object> multiLabel(Model<MultiLabel> model, List<Prediction<MultiLabel>> predictions,
                                                 DataProvenance data, double threshold) {
        MultiLabelEvaluation eval = new MultiLabelEvaluator().evaluate(model, predictions, data);
        MultiLabelCalibrationReport cal = MultiLabelCalibration.fromPredictions(predictions)
                .report(CalibrationMetrics.DEFAULT_BINS, threshold);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(MICRO_F1, eval.microAveragedF1());
        m.put(MACRO_F1, eval.macroAveragedF1());
        m.put(JACCARD, eval.jaccardScore());
        m.put(ECE, cal.ece());
        m.put(BRIER, cal.brier());
        m.put(MEAN_LABEL_ECE, cal.meanLabelEce());
        return m;
    }

    /**
     * The regression metrics of a set of predictions.
     * @param model the model that made them (Tribuo's evaluator records it).
     * @param predictions the predictions (mean per dimension) with their examples' true values.
     * @param data the provenance of the evaluated data.
     * @param variance the predictive variance {@code [examples][dims]} of each prediction, in the predictions'
     *                 order and dimension order of {@link RegressionCalibration#fromPredictions}.
     * @return the metrics by key, in a fixed order.
     */
    public static Map<String, Object> regression(Model<Regressor> model, List<Prediction<Regressor>> predictions,
                                                 DataProvenance data, double[][] variance) {
        RegressionEvaluation eval = new RegressionEvaluator().evaluate(model, predictions, data);
        RegressionCalibration.PredictionArrays arrays = RegressionCalibration.fromPredictions(predictions);
        RegressionCalibrationReport cal = RegressionCalibration.compute(arrays.mean(), variance, arrays.target(),
                arrays.weights());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(RMSE, eval.averageRMSE());
        m.put(MAE, eval.averageMAE());
        m.put(R2, eval.averageR2());
        m.put(NLL, cal.nll());
        m.put(COVERAGE, cal.toMap().get(COVERAGE));
        return m;
    }
}
