/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.baseline.DummyClassifierTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.DataProvenance;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.time.OffsetDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationEvaluatorTest {

    private static final LabelFactory FACTORY = new LabelFactory();
    private static final String[] NAMES = {"A", "B", "C"};
    /** The hand-worked example of {@link CalibrationMetricsTest}, with 1.0/0.0 replaced to keep features non-zero. */
    private static final double[][] PROBS = {
            {0.7, 0.2, 0.1},
            {0.3, 0.6, 0.1},
            {0.1, 0.1, 0.8},
            {0.2, 0.5, 0.3},
            {0.98, 0.01, 0.01}};
    private static final int[] LABELS = {0, 0, 2, 2, 0};

    private MutableDataset<Label> dataset;
    private Model<Label> model;

    private static ArrayExample<Label> example(String label, double[] probs, float weight) {
        String[] features = new String[NAMES.length];
        for (int c = 0; c < NAMES.length; c++) {
            features[c] = "p:" + NAMES[c];
        }
        ArrayExample<Label> ex = new ArrayExample<>(new Label(label), features, probs);
        ex.setWeight(weight);
        return ex;
    }

    @BeforeEach
    void trainModel() {
        // Training data fixes the model's domain {A, B, C}; the test data below never has a true B.
        MutableDataset<Label> train = new MutableDataset<>(new SimpleDataSourceProvenance("train", FACTORY), FACTORY);
        train.add(example("C", new double[]{0.2, 0.3, 0.5}, 1));
        train.add(example("B", new double[]{0.2, 0.5, 0.3}, 1));
        train.add(example("A", new double[]{0.5, 0.3, 0.2}, 1));
        dataset = new MutableDataset<>(new SimpleDataSourceProvenance("calibration test data", FACTORY), FACTORY);
        for (int i = 0; i < PROBS.length; i++) {
            dataset.add(example(NAMES[LABELS[i]], PROBS[i], i + 1));
        }
        // The trainer provenance is real Tribuo provenance; the model itself returns the features as scores.
        DummyClassifierTrainer trainer = DummyClassifierTrainer.createMostFrequentTrainer();
        ModelProvenance provenance = new ModelProvenance(FixedProbabilityModel.class.getName(), OffsetDateTime.now(),
                train.getProvenance(), trainer.getProvenance());
        model = new FixedProbabilityModel(provenance, train.getFeatureIDMap(), train.getOutputIDInfo());
    }

    @Test
    void metricsMatchTheDirectComputation() {
        CalibrationEvaluation eval = new CalibrationEvaluator(5).evaluate(model, dataset);
        CalibrationReport direct = CalibrationMetrics.compute(PROBS, LABELS, 5);
        // As in the hand-worked example, except example 4 now has p_true .98 in bin 4:
        // ECE = .22 + .10 + 1/5·|1 − .98| = .324; Brier adds .02² + 2·.01² = .0006; NLL adds −ln .98.
        assertEquals(0.324, eval.ece(), 1e-12);
        assertEquals(0.368 + 0.0006 / 5, eval.brier(), 1e-12);
        assertEquals((2.98776410391 - Math.log(0.98)) / 5, eval.nll(), 1e-10);
        assertEquals(direct.ece(), eval.ece(), 1e-12);
        assertEquals(direct.mce(), eval.mce(), 1e-12);
        assertEquals(direct.brier(), eval.brier(), 1e-12);
        assertEquals(direct.nll(), eval.nll(), 1e-12);
        assertEquals(direct.accuracy(), eval.accuracy(), 1e-12);
        assertEquals(direct.reliability(), eval.reliability());

        assertEquals(5, eval.asMap().size());
        assertEquals(eval.ece(), eval.get(CalibrationEvaluation.ECE));
        assertEquals(eval.nll(), eval.get(CalibrationEvaluation.NLL));
        assertEquals(0.6, eval.get(CalibrationEvaluation.ACCURACY), 1e-12);
        assertEquals(5, eval.getPredictions().size());
        assertEquals(model.getProvenance(), eval.getProvenance().getModelProvenance());
        assertEquals(dataset.getProvenance(), eval.getProvenance().getTestDatasetProvenance());
    }

    @Test
    void exampleWeightsAreUsedOnlyWhenAsked() {
        double[] weights = {1, 2, 3, 4, 5};
        CalibrationEvaluation weighted = new CalibrationEvaluator(5, true).evaluate(model, dataset);
        CalibrationReport direct = CalibrationMetrics.compute(PROBS, LABELS, weights, 5);
        assertEquals(direct.ece(), weighted.ece(), 1e-12);
        assertEquals(direct.nll(), weighted.nll(), 1e-12);
        // accuracy = (1 + 3 + 5)/15
        assertEquals(9.0 / 15, weighted.accuracy(), 1e-12);
        assertEquals(0.6, new CalibrationEvaluator(5).evaluate(model, dataset).accuracy(), 1e-12);
    }

    @Test
    void predictionListOverloadsUseTheGivenProvenanceAndTruth() {
        List<Prediction<Label>> predictions = model.predict(dataset);
        DataProvenance provenance = new SimpleDataSourceProvenance("held-out predictions", FACTORY);
        CalibrationEvaluator evaluator = new CalibrationEvaluator();
        CalibrationEvaluation eval = evaluator.evaluate(model, predictions, provenance);
        assertSame(provenance, eval.getProvenance().getTestDatasetProvenance());
        assertEquals(15, eval.reliability().numBins());
        assertEquals(CalibrationMetrics.compute(PROBS, LABELS).ece(), eval.ece(), 1e-12);

        // Tribuo's ground-truth overload: relabel everything "A", so the correct examples are 0 and 4.
        List<Label> allA = List.of(new Label("A"), new Label("A"), new Label("A"), new Label("A"), new Label("A"));
        CalibrationEvaluation relabelled = evaluator.evaluate(model, predictions, allA, provenance);
        assertEquals(0.4, relabelled.accuracy(), 1e-12);
        assertEquals(CalibrationMetrics.compute(PROBS, new int[5]).brier(), relabelled.brier(), 1e-12);
    }

    @Test
    void unknownGroundTruthLabelIsNamedWithItsIndex() {
        MutableDataset<Label> test = new MutableDataset<>(new SimpleDataSourceProvenance("test", FACTORY), FACTORY);
        test.add(example("A", PROBS[0], 1));
        test.add(example("B", PROBS[1], 1));
        test.add(example("D", PROBS[2], 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CalibrationEvaluator().evaluate(model, test));
        assertTrue(e.getMessage().contains("'D'") && e.getMessage().contains("example 2"), e.getMessage());
    }

    @Test
    void modelWithoutProbabilitiesIsRejected() {
        Model<Label> dummy = DummyClassifierTrainer.createMostFrequentTrainer().train(dataset);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CalibrationEvaluator().evaluate(dummy, dataset));
        assertTrue(e.getMessage().contains("does not generate probabilities"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CalibrationEvaluator(0));
    }
}
