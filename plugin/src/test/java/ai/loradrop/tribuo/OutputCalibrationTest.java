/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.calibration.MultiLabelCalibration;
import ai.loradrop.calibration.MultiLabelTemperatureScaling;
import ai.loradrop.calibration.RegressionCalibration;
import ai.loradrop.calibration.VarianceScaling;
import ai.loradrop.tribuo.data.TextExamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.MultiLabelFactory;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calibration stored in the multi-label and regression models: temperatures fitted on held-out data change each
 * label's probability exactly as {@code σ(logit(p) / T)} and lower the held-out cross-entropy; a regression ensemble's
 * fitted variance scale multiplies its variances and lowers the held-out Gaussian NLL, and the deterministic model
 * gets the held-out mean squared residual as its variance; all of it survives the protobuf round trip, is recorded in
 * provenance, and a regression calibration is dropped when the ensemble changes.
 */
class OutputCalibrationTest {
    @TempDir
    Path dir;

    /** Texts of 3 to 6 fillers with each keyword present with probability 1/2, and the keywords present. */
    private static List<Set<Integer>> keywordRows(int rows, long seed, List<String> texts) {
        Random rnd = new Random(seed);
        List<Set<Integer>> present = new ArrayList<>();
        while (present.size() < rows) {
            List<String> words = new ArrayList<>();
            for (int i = 0, n = 3 + rnd.nextInt(4); i < n; i++) {
                words.add(TinyFixture.FILLERS.get(rnd.nextInt(TinyFixture.FILLERS.size())));
            }
            Set<Integer> tags = new HashSet<>();
            for (int k = 0; k < TinyFixture.KEYWORDS.size(); k++) {
                if (rnd.nextBoolean()) {
                    words.add(rnd.nextInt(words.size() + 1), TinyFixture.KEYWORDS.get(k));
                    tags.add(k);
                }
            }
            texts.add(String.join(" ", words));
            present.add(tags);
        }
        return present;
    }

    private static MutableDataset<MultiLabel> multiLabel(int rows, long seed) {
        MultiLabelFactory f = new MultiLabelFactory();
        MutableDataset<MultiLabel> d = new MutableDataset<>(new SimpleDataSourceProvenance("keywords " + seed, f), f);
        List<String> texts = new ArrayList<>();
        List<Set<Integer>> tags = keywordRows(rows, seed, texts);
        for (int i = 0; i < rows; i++) {
            Set<Label> labels = new HashSet<>();
            tags.get(i).forEach(k -> labels.add(new Label(TinyFixture.CLASSES.get(k))));
            d.add(TextExamples.withMetadata(new MultiLabel(labels), 1f, Map.of(TextExamples.DEFAULT_TEXT_KEY, texts.get(i))));
        }
        return d;
    }

    /** The number of keywords plus noise, so that a variance is there to be calibrated. */
    private static MutableDataset<Regressor> regression(int rows, long seed) {
        RegressionFactory f = new RegressionFactory();
        MutableDataset<Regressor> d = new MutableDataset<>(new SimpleDataSourceProvenance("keyword count " + seed, f), f);
        List<String> texts = new ArrayList<>();
        List<Set<Integer>> tags = keywordRows(rows, seed, texts);
        Random noise = new Random(seed + 7);
        for (int i = 0; i < rows; i++) {
            d.add(TextExamples.withMetadata(new Regressor("count", tags.get(i).size() + 0.5 * noise.nextGaussian()), 1f,
                    Map.of(TextExamples.DEFAULT_TEXT_KEY, texts.get(i))));
        }
        return d;
    }

    private static <T extends org.tribuo.Output<T>> Model<T> roundTrip(Model<T> m) throws Exception {
        return (Model<T>) Model.deserialize(m.serialize());
    }

    @Test
    void multiLabelTemperaturesRescaleEachLabelsLogitLowerHeldOutCrossEntropyAndAreSaved() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        LoraDropMultiLabelTrainer trainer = LoraDropMultiLabelTrainer.builder(f.model, f.vocab)
                .set("maxLength", 16).set("rank", 4).set("alpha", 8.0).set("epochs", 6).set("batchSize", 8)
                .set("learningRate", 2e-2).set("warmupFraction", 0.0).set("threads", 1).set("logIntervalSeconds", 60.0)
                .build();
        MutableDataset<MultiLabel> dev = multiLabel(80, 2);
        try (LoraDropMultiLabelModel raw = trainer.train(multiLabel(120, 1));
             LoraDropMultiLabelModel shared = raw.fitTemperatures(dev, false);
             LoraDropMultiLabelModel perLabel = raw.fitTemperatures(dev, true)) {
            assertTrue(raw.getTemperatures().isEmpty());
            MultiLabelTemperatureScaling t = shared.getTemperatures().orElseThrow();
            assertTrue(t.isShared());
            assertNotEquals(1.0, t.temperature(0), 1e-3, "a trained model is not calibrated already");
            assertEquals(3, perLabel.getTemperatures().orElseThrow().temperatures().length);

            List<Prediction<MultiLabel>> before = raw.predict(dev);
            List<Prediction<MultiLabel>> after = shared.predict(dev);
            for (int i = 0; i < before.size(); i++) {
                for (String l : TinyFixture.CLASSES) {
                    double p = before.get(i).getOutputScores().get(l).getLabelScore(new Label(l)).getAsDouble();
                    double expected = 1 / (1 + Math.exp(-(Math.log(p) - Math.log1p(-p)) / t.temperature(0)));
                    assertEquals(expected, after.get(i).getOutputScores().get(l).getLabelScore(new Label(l)).getAsDouble(), 1e-9);
                }
            }
            double bceBefore = bce(before);
            double bceShared = bce(after);
            double bcePerLabel = bce(perLabel.predict(dev));
            System.out.printf("multi-label dev BCE: raw %.5f, shared T=%.3f %.5f, per label %.5f%n", bceBefore,
                    t.temperature(0), bceShared, bcePerLabel);
            assertTrue(bceShared < bceBefore, bceShared + " vs " + bceBefore);
            assertTrue(bcePerLabel <= bceShared + 1e-9, bcePerLabel + " vs " + bceShared);

            assertTrue(shared.getProvenance().getInstanceProvenance().getMap()
                    .containsKey(LoraDropMultiLabelModel.LABEL_TEMPERATURES));
            for (LoraDropMultiLabelModel m : List.of(shared, perLabel)) {
                try (LoraDropMultiLabelModel back = (LoraDropMultiLabelModel) roundTrip(m)) {
                    assertEquals(m.getTemperatures(), back.getTemperatures());
                    assertEquals(m.getProvenance(), back.getProvenance());
                    assertEquals(bce(m.predict(dev)), bce(back.predict(dev)), 1e-12);
                }
            }
            try (LoraDropMultiLabelModel k4 = shared.withEnsemble(4, 3)) {
                assertEquals(shared.getTemperatures(), k4.getTemperatures(), "a temperature acts on the final probability");
            }
        }
    }

    /** Pooled binary cross-entropy over every (example, label) pair. */
    static double bce(List<Prediction<MultiLabel>> predictions) {
        MultiLabelCalibration.PredictionArrays a = MultiLabelCalibration.fromPredictions(predictions);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < a.probs().length; i++) {
            for (int l = 0; l < a.labels().size(); l++) {
                double p = Math.min(1 - 1e-12, Math.max(1e-12, a.probs()[i][l]));
                sum -= a.targets()[i][l] ? Math.log(p) : Math.log1p(-p);
                n++;
            }
        }
        return sum / n;
    }

    @Test
    void regressionVarianceCalibrationScalesTheEnsembleGivesTheDeterministicModelAVarianceAndIsSaved() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        LoraDropRegressionTrainer trainer = LoraDropRegressionTrainer.builder(f.model, f.vocab)
                .set("maxLength", 16).set("rank", 4).set("alpha", 8.0).set("epochs", 8).set("batchSize", 8)
                .set("learningRate", 2e-2).set("warmupFraction", 0.0).set("threads", 1).set("logIntervalSeconds", 60.0)
                .build();
        MutableDataset<Regressor> dev = regression(80, 2);
        try (LoraDropRegressionModel det = trainer.train(regression(120, 1));
             LoraDropRegressionModel ens = det.withEnsemble(6, 5);
             LoraDropRegressionModel detCal = det.fitVariance(dev);
             LoraDropRegressionModel ensCal = ens.fitVariance(dev)) {
            // Deterministic: the held-out mean squared residual becomes every prediction's variance.
            RegressionCalibration.PredictionArrays d = RegressionCalibration.fromPredictions(det.predict(dev));
            assertFalse(d.hasVariances(), "an uncalibrated deterministic model has no variance");
            double mse = 0;
            for (int i = 0; i < d.mean().length; i++) {
                mse += Math.pow(d.target()[i][0] - d.mean()[i][0], 2) / d.mean().length;
            }
            assertEquals(mse, detCal.getVarianceCalibration().orElseThrow().scale(0), 1e-9);
            assertEquals(mse, detCal.predict(dev.getExample(0)).getOutput().getVariances()[0], 1e-9);

            // Ensemble: the members' variance times the fitted scale, with a lower held-out NLL.
            RegressionCalibration.PredictionArrays e = RegressionCalibration.fromPredictions(ens.predict(dev));
            RegressionCalibration.PredictionArrays c = RegressionCalibration.fromPredictions(ensCal.predict(dev));
            double s = ensCal.getVarianceCalibration().orElseThrow().scale(0);
            for (int i = 0; i < e.mean().length; i++) {
                assertEquals(e.mean()[i][0], c.mean()[i][0], 0.0, "calibration leaves the mean alone");
                assertEquals(e.variance()[i][0] * s, c.variance()[i][0], 1e-9 * c.variance()[i][0]);
            }
            double nllRaw = RegressionCalibration.compute(e.mean(), e.variance(), e.target(), e.weights()).nll();
            double nllCal = RegressionCalibration.compute(c.mean(), c.variance(), c.target(), c.weights()).nll();
            System.out.printf("regression dev NLL: ensemble %.4f, scaled by %.3f %.4f%n", nllRaw, s, nllCal);
            assertTrue(nllCal < nllRaw, nllCal + " vs " + nllRaw);

            for (LoraDropRegressionModel m : List.of(detCal, ensCal)) {
                assertTrue(m.getProvenance().getInstanceProvenance().getMap()
                        .containsKey(LoraDropRegressionModel.VARIANCE_CALIBRATION));
                try (LoraDropRegressionModel back = (LoraDropRegressionModel) roundTrip(m)) {
                    assertEquals(m.getVarianceCalibration(), back.getVarianceCalibration());
                    assertEquals(m.getProvenance(), back.getProvenance());
                    assertEquals(m.predict(dev.getExample(3)).getOutput().getVariances()[0],
                            back.predict(dev.getExample(3)).getOutput().getVariances()[0], 0.0);
                }
            }
            try (LoraDropRegressionModel other = ensCal.withEnsemble(3, 5)) {
                assertTrue(other.getVarianceCalibration().isEmpty(), "a scale fitted for K = 6 does not fit K = 3");
                assertFalse(other.getProvenance().getInstanceProvenance().getMap()
                        .containsKey(LoraDropRegressionModel.VARIANCE_CALIBRATION));
            }
            assertEquals(VarianceScaling.of(s), ensCal.getVarianceCalibration().orElseThrow());
        }
    }
}
