/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.tribuo.DataSource;
import org.tribuo.Dataset;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.evaluation.Evaluator;
import org.tribuo.provenance.DataProvenance;
import org.tribuo.provenance.EvaluationProvenance;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Tribuo {@link Evaluator} measuring the calibration of a probabilistic classification model from the score
 * distributions of its predictions ({@link Prediction#getOutputScores()}).
 * <p>
 * Class probabilities are laid out in the order of the model's output domain ids; a label missing from a
 * prediction's scores counts as probability 0. The predicted class is the most probable one (see
 * {@link CalibrationMetrics} for tie-breaking and the bin convention), which may differ from
 * {@link Prediction#getOutput()} only on exact ties. The model must generate probabilities, and every ground
 * truth label must be in the model's output domain. Example weights are ignored unless requested, as in
 * Tribuo's regression evaluator. Stateless and thread-safe.
 */
public final class CalibrationEvaluator implements Evaluator<Label, CalibrationEvaluation> {

    private final int numBins;
    private final boolean useExampleWeights;

    /**
     * Creates an evaluator with {@value CalibrationMetrics#DEFAULT_BINS} bins, ignoring example weights.
     */
    public CalibrationEvaluator() {
        this(CalibrationMetrics.DEFAULT_BINS, false);
    }

    /**
     * Creates an evaluator ignoring example weights.
     *
     * @param numBins the number of equal-width confidence bins, at least 1.
     */
    public CalibrationEvaluator(int numBins) {
        this(numBins, false);
    }

    /**
     * Creates an evaluator.
     *
     * @param numBins           the number of equal-width confidence bins, at least 1.
     * @param useExampleWeights whether to weight each example by {@link org.tribuo.Example#getWeight()}.
     */
    public CalibrationEvaluator(int numBins, boolean useExampleWeights) {
        if (numBins < 1) {
            throw new IllegalArgumentException("numBins must be at least 1, got " + numBins);
        }
        this.numBins = numBins;
        this.useExampleWeights = useExampleWeights;
    }

    /**
     * Returns the number of confidence bins.
     *
     * @return the number of bins.
     */
    public int numBins() {
        return numBins;
    }

    /**
     * Returns whether example weights are used.
     *
     * @return true if examples are weighted by their Tribuo weight.
     */
    public boolean usesExampleWeights() {
        return useExampleWeights;
    }

    /**
     * Predicts every example of the dataset with the model and evaluates the predictions.
     *
     * @param model   a model generating probabilities.
     * @param dataset the labelled test data.
     * @return the evaluation, with the dataset's provenance.
     */
    @Override
    public CalibrationEvaluation evaluate(Model<Label> model, Dataset<Label> dataset) {
        requireProbabilities(model);
        return evaluate(model, model.predict(dataset), dataset.getProvenance());
    }

    /**
     * Predicts every example of the data source with the model and evaluates the predictions.
     *
     * @param model      a model generating probabilities.
     * @param datasource the labelled test data.
     * @return the evaluation, with the data source's provenance.
     */
    @Override
    public CalibrationEvaluation evaluate(Model<Label> model, DataSource<Label> datasource) {
        requireProbabilities(model);
        return evaluate(model, model.predict(datasource), datasource.getProvenance());
    }

    /**
     * Evaluates predictions already made by the model; the ground truth is each prediction's example output.
     * This cannot check that the predictions came from this model, only that their labels are in its domain.
     *
     * @param model          a model generating probabilities.
     * @param predictions    its predictions on labelled examples, at least one.
     * @param dataProvenance the provenance of the test data.
     * @return the evaluation.
     */
    @Override
    public CalibrationEvaluation evaluate(Model<Label> model, List<Prediction<Label>> predictions,
                                          DataProvenance dataProvenance) {
        Objects.requireNonNull(dataProvenance, "dataProvenance");
        CalibrationReport report = computeReport(model, predictions);
        return new CalibrationEvaluation(report, predictions,
                new EvaluationProvenance(model.getProvenance(), dataProvenance));
    }

    /**
     * Computes the calibration report of predictions made by the model, without building provenance.
     *
     * @param model       a model generating probabilities; its output domain fixes the class order.
     * @param predictions its predictions on labelled examples, at least one.
     * @return the calibration report.
     */
    public CalibrationReport computeReport(Model<Label> model, List<Prediction<Label>> predictions) {
        requireProbabilities(model);
        Objects.requireNonNull(predictions, "predictions");
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("No predictions to evaluate");
        }
        ImmutableOutputInfo<Label> domain = model.getOutputIDInfo();
        int k = domain.size();
        int n = predictions.size();
        double[][] probs = new double[n][k];
        int[] labels = new int[n];
        double[] weights = useExampleWeights ? new double[n] : null;
        for (int i = 0; i < n; i++) {
            Prediction<Label> prediction = predictions.get(i);
            if (!prediction.hasProbabilities()) {
                throw new IllegalArgumentException("Prediction " + i + " carries no probability distribution");
            }
            Label truth = prediction.getExample().getOutput();
            int truthId = domain.getID(truth);
            if (truth == null || LabelFactory.UNKNOWN_LABEL.equals(truth) || truthId < 0) {
                throw new IllegalArgumentException("Ground-truth label '" + (truth == null ? null : truth.getLabel())
                        + "' of example " + i + " is not in the model's output domain " + domain.getDomain());
            }
            labels[i] = truthId;
            for (Map.Entry<String, Label> e : prediction.getOutputScores().entrySet()) {
                int id = domain.getID(e.getValue());
                if (id < 0) {
                    throw new IllegalArgumentException("Prediction " + i + " scores label '" + e.getKey()
                            + "', which is not in the model's output domain " + domain.getDomain());
                }
                probs[i][id] = e.getValue().getScore();
            }
            if (weights != null) {
                weights[i] = prediction.getExample().getWeight();
            }
        }
        try {
            return CalibrationMetrics.compute(probs, labels, weights, numBins);
        } catch (IllegalArgumentException e) {
            // The row/column indices in the message are example index and domain id.
            throw new IllegalArgumentException("Invalid score distribution (rows are examples, columns the ids of "
                    + "the model's output domain): " + e.getMessage(), e);
        }
    }

    private static void requireProbabilities(Model<Label> model) {
        Objects.requireNonNull(model, "model");
        if (!model.generatesProbabilities()) {
            throw new IllegalArgumentException("Model '" + model.getName() + "' does not generate probabilities, "
                    + "so its calibration cannot be measured");
        }
    }

    @Override
    public String toString() {
        return "CalibrationEvaluator(numBins=" + numBins + ", useExampleWeights=" + useExampleWeights + ")";
    }
}
