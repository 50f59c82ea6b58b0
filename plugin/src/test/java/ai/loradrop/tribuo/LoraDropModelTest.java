/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.io.Sha256;
import ai.loradrop.tribuo.data.TextExamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.evaluation.CrossValidation;
import org.tribuo.protos.core.ModelProto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trains one model on the tiny keyword task and checks prediction, serialization, options and Tribuo integration.
 */
class LoraDropModelTest {
    @TempDir
    static Path dir;
    static TinyFixture f;
    static MutableDataset<Label> train;
    static MutableDataset<Label> test;
    static LoraDropModel model;

    @BeforeAll
    static void trainOnce() throws Exception {
        f = new TinyFixture(dir);
        train = TinyFixture.dataset(20, 1);
        test = TinyFixture.dataset(15, 2);
        model = f.trainer().epochs(20).learningRate(2e-2).build().train(train);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    static double[][] probabilities(List<Prediction<Label>> predictions) {
        return probabilities(predictions, TinyFixture.CLASSES);
    }

    static double[][] probabilities(List<Prediction<Label>> predictions, List<String> classes) {
        double[][] out = new double[predictions.size()][];
        for (int i = 0; i < out.length; i++) {
            Map<String, Label> scores = predictions.get(i).getOutputScores();
            out[i] = classes.stream().mapToDouble(c -> scores.get(c).getScore()).toArray();
        }
        return out;
    }

    static void assertSameProbabilities(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertEquals(expected[i][j], actual[i][j], 0.0, "example " + i + " class " + j);
            }
        }
    }

    @Test
    void learnsTheKeywordTask() {
        LabelEvaluation trainEval = new LabelEvaluator().evaluate(model, train);
        LabelEvaluation testEval = new LabelEvaluator().evaluate(model, test);
        assertTrue(trainEval.accuracy() >= 0.95, "training accuracy " + trainEval.accuracy());
        assertTrue(testEval.accuracy() >= 0.9, "test accuracy " + testEval.accuracy());
        // AUC needs probabilities; Tribuo computes it only when the model says it has them.
        assertTrue(model.generatesProbabilities());
        for (String c : TinyFixture.CLASSES) {
            double auc = testEval.AUCROC(new Label(c));
            assertTrue(auc > 0.95 && auc <= 1.0, c + " AUC " + auc);
        }
        List<Double> losses = com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil.unwrap(
                (com.oracle.labs.mlrg.olcut.provenance.ListProvenance<com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance>)
                        model.getProvenance().getInstanceProvenance().getMap().get(LoraDropTrainer.TRAIN_LOSS));
        assertEquals(20, losses.size());
        assertTrue(losses.get(19) < 0.5 * losses.get(0), "loss fell from " + losses.get(0) + " to " + losses.get(19));
    }

    @Test
    void predictionsAreProbabilitiesWithDeterministicUncertainty() {
        LoraDropPrediction p = model.predict("the big dog sits on the mat");
        assertEquals("animal", p.getOutput().getLabel());
        assertTrue(p.hasProbabilities());
        double sum = p.getOutputScores().values().stream().mapToDouble(Label::getScore).sum();
        assertEquals(1.0, sum, 1e-9);
        assertEquals(p.getOutputScores().get("animal").getScore(), p.getOutput().getScore(), 0.0);
        Uncertainty u = LoraDropModel.uncertainty(p);
        assertEquals(1, u.members());
        assertEquals(0.0, u.mutualInformation(), 0.0);
        assertEquals(1.0, u.agreement(), 0.0);
        double h = 0;
        for (Label l : p.getOutputScores().values()) {
            h -= l.getScore() * Math.log(l.getScore());
        }
        assertEquals(h, u.entropy(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> model.predict("a", "b"), "single-text model");
    }

    @Test
    void predictionsWorkWithCalibrationAndPredictionProtobuf() {
        var calibration = new ai.loradrop.calibration.CalibrationEvaluator().evaluate(model, test);
        assertEquals(new LabelEvaluator().evaluate(model, test).accuracy(), calibration.accuracy(), 1e-12);
        assertTrue(calibration.ece() >= 0 && calibration.ece() < 0.2, "ECE " + calibration.ece());
        LoraDropPrediction p = model.predict(test.getExample(0));
        Prediction<?> plain = org.tribuo.protos.ProtoUtil.deserialize(p.serialize());
        assertEquals(Prediction.class, plain.getClass(), "serialized as a plain Tribuo prediction");
        assertTrue(plain.hasProbabilities());
        assertEquals(p.getOutputScores(), plain.getOutputScores());
    }

    @Test
    void singleAndBatchedPredictionsAgree() {
        List<Prediction<Label>> batched = model.predict(test);
        for (int i = 0; i < 10; i++) {
            Prediction<Label> one = model.predict(test.getExample(i));
            assertEquals(batched.get(i).getOutput().getLabel(), one.getOutput().getLabel());
            for (String c : TinyFixture.CLASSES) {
                // Different padding changes float rounding only.
                assertEquals(batched.get(i).getOutputScores().get(c).getScore(), one.getOutputScores().get(c).getScore(), 1e-5);
            }
        }
    }

    @Test
    void missingTextIsReportedWithTheExampleIndex() {
        List<Example<Label>> examples = new ArrayList<>();
        examples.add(TextExamples.of("the dog", new Label("animal")));
        examples.add(TextExamples.withMetadata(new Label("animal"), 1f, Map.of("body", "the dog")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.predict(examples));
        assertTrue(e.getMessage().contains("Example 1") && e.getMessage().contains("'text'"), e.getMessage());
    }

    @Test
    void protobufRoundTripGivesIdenticalPredictions() throws Exception {
        double[][] expected = probabilities(model.predict(test));
        Path file = dir.resolve("model.tribuo");
        model.serializeToFile(file);
        try (LoraDropModel loaded = (LoraDropModel) Model.deserializeFromFile(file)) {
            assertSameProbabilities(expected, probabilities(loaded.predict(test)));
            assertEquals(model.getProvenance(), loaded.getProvenance());
            assertTrue(loaded.getOutputIDInfo().domainAndIDEquals(model.getOutputIDInfo()));
            assertTrue(loaded.isBaseModelEmbedded());
        }
        ModelProto proto = model.serialize();
        assertEquals(LoraDropModel.class.getName(), proto.getClassName());
        try (LoraDropModel again = (LoraDropModel) Model.deserialize(proto)) {
            assertSameProbabilities(expected, probabilities(again.predict(test)));
        }
        ModelProto future = proto.toBuilder().setVersion(LoraDropModel.CURRENT_VERSION + 1).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Model.deserialize(future));
        assertTrue(rootMessage(e).contains("version"), rootMessage(e));
    }

    @Test
    void javaSerializationRoundTripGivesIdenticalPredictions() throws Exception {
        double[][] expected = probabilities(model.predict(test));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(model);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            Object read = in.readObject();
            try (LoraDropModel loaded = assertInstanceOf(LoraDropModel.class, read)) {
                assertSameProbabilities(expected, probabilities(loaded.predict(test)));
                assertEquals(model.getProvenance(), loaded.getProvenance());
            }
        }
    }

    @Test
    void referencedBaseModelIsCheckedByHash() throws Exception {
        double[][] expected = probabilities(model.predict(test));
        LoraDropModel ref = model.withBaseModelEmbedded(false);
        Path embeddedFile = dir.resolve("embedded.tribuo");
        Path refFile = dir.resolve("reference.tribuo");
        model.serializeToFile(embeddedFile);
        ref.serializeToFile(refFile);
        ref.close();
        assertTrue(Files.size(refFile) + 100_000 < Files.size(embeddedFile),
                Files.size(refFile) + " vs " + Files.size(embeddedFile));
        try (LoraDropModel loaded = (LoraDropModel) Model.deserializeFromFile(refFile)) {
            assertFalse(loaded.isBaseModelEmbedded());
            assertSameProbabilities(expected, probabilities(loaded.predict(test)));
        }
        // A different encoder file at the recorded path must be refused, naming the path and both hashes.
        Path base = Path.of(model.getBaseModelFile().path());
        byte[] original = Files.readAllBytes(base);
        try {
            Files.write(base, new byte[]{0}, StandardOpenOption.APPEND);
            String newHash = Sha256.ofFile(base);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Model.deserializeFromFile(refFile));
            String msg = rootMessage(e);
            assertTrue(msg.contains(base.toString()) && msg.contains(newHash)
                    && msg.contains(model.getBaseModelFile().sha256()), msg);
            // The embedded model does not depend on the file.
            try (LoraDropModel embedded = (LoraDropModel) Model.deserializeFromFile(embeddedFile)) {
                assertSameProbabilities(expected, probabilities(embedded.predict(test)));
            }
        } finally {
            Files.write(base, original);
        }
    }

    @Test
    void concurrentPredictionsEqualSequentialOnes() throws Exception {
        try (LoraDropModel copy = (LoraDropModel) model.copy()) {
            double[][] sequential = probabilities(copy.predict(test));
            List<Example<Label>> singles = new ArrayList<>();
            test.forEach(singles::add);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<double[][]>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> probabilities(copy.predict(test))));
                }
                for (Future<double[][]> fu : futures) {
                    assertSameProbabilities(sequential, fu.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void ensembleAveragesDropoutMembers() {
        double[][] deterministic = probabilities(model.predict(test));
        try (LoraDropModel ens = model.withEnsemble(4, 7L)) {
            assertEquals(4, ens.getEnsembleSize());
            assertEquals(1, model.getEnsembleSize(), "the receiver is unchanged");
            List<Prediction<Label>> preds = ens.predict(test);
            double[][] probs = probabilities(preds);
            double maxDiff = 0;
            double maxMi = 0;
            double maxH = Math.log(TinyFixture.CLASSES.size());
            for (int i = 0; i < probs.length; i++) {
                double sum = 0;
                for (int j = 0; j < probs[i].length; j++) {
                    sum += probs[i][j];
                    maxDiff = Math.max(maxDiff, Math.abs(probs[i][j] - deterministic[i][j]));
                }
                assertEquals(1.0, sum, 1e-9);
                Uncertainty u = LoraDropModel.uncertainty(preds.get(i));
                assertEquals(4, u.members());
                assertTrue(u.entropy() >= 0 && u.entropy() <= maxH + 1e-9, "entropy " + u.entropy());
                assertTrue(u.mutualInformation() >= 0 && u.mutualInformation() <= u.entropy() + 1e-6, "MI " + u);
                double quarters = u.agreement() * 4;
                assertEquals(Math.rint(quarters), quarters, 1e-12);
                assertTrue(u.agreement() >= 0.25 && u.agreement() <= 1.0);
                maxMi = Math.max(maxMi, u.mutualInformation());
            }
            assertTrue(maxDiff > 1e-4, "ensemble equals the deterministic model (max diff " + maxDiff + ")");
            assertTrue(maxMi > 0, "members never disagree");
            // Same seed, same members; another seed, other members.
            try (LoraDropModel same = model.withEnsemble(4, 7L); LoraDropModel other = model.withEnsemble(4, 8L)) {
                assertSameProbabilities(probs, probabilities(same.predict(test)));
                assertNotEquals(probs[0][0], probabilities(other.predict(test))[0][0]);
            }
            assertEquals(4, ((com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance)
                    ens.getProvenance().getInstanceProvenance().getMap().get(LoraDropModel.ENSEMBLE_SIZE)).getValue());
        }
    }

    @Test
    void temperatureSoftensWithoutChangingTheArgMax() {
        List<Prediction<Label>> base = model.predict(test);
        try (LoraDropModel hot = model.withTemperature(3.0)) {
            List<Prediction<Label>> scaled = hot.predict(test);
            for (int i = 0; i < base.size(); i++) {
                assertEquals(base.get(i).getOutput().getLabel(), scaled.get(i).getOutput().getLabel());
                assertTrue(scaled.get(i).getOutput().getScore() < base.get(i).getOutput().getScore());
                assertTrue(LoraDropModel.uncertainty(scaled.get(i)).entropy() > LoraDropModel.uncertainty(base.get(i)).entropy());
            }
        }
        try (LoraDropModel fitted = model.fitTemperature(test)) {
            assertTrue(fitted.getTemperature() > 0.05 && fitted.getTemperature() < 20, "T = " + fitted.getTemperature());
            assertNotEquals(1.0, fitted.getTemperature());
            double nllBefore = nll(model.predict(test));
            double nllAfter = nll(fitted.predict(test));
            assertTrue(nllAfter <= nllBefore + 1e-9, nllAfter + " > " + nllBefore);
        }
    }

    private static double nll(List<Prediction<Label>> preds) {
        double s = 0;
        for (Prediction<Label> p : preds) {
            s -= Math.log(p.getOutputScores().get(p.getExample().getOutput().getLabel()).getScore());
        }
        return s / preds.size();
    }

    @Test
    void closedModelRefusesWork() {
        LoraDropModel copy = model.withTemperature(1.0);
        assertEquals("animal", copy.predict("dog dog").getOutput().getLabel());
        copy.close();
        copy.close();
        assertTrue(copy.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> copy.predict("the dog"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> copy.predict(test));
        assertThrows(IllegalStateException.class, () -> copy.withEnsemble(2, 1));
        assertFalse(model.isClosed(), "closing a copy leaves the original open");
        assertEquals("animal", model.predict("dog dog").getOutput().getLabel());
    }

    @Test
    void crossValidationRunsWithTheTrainer() {
        MutableDataset<Label> small = TinyFixture.dataset(8, 3);
        LoraDropTrainer trainer = f.trainer().epochs(3).build();
        CrossValidation<Label, LabelEvaluation> cv = new CrossValidation<>(trainer, small, new LabelEvaluator(), 2, 42L);
        var results = cv.evaluate();
        assertEquals(2, results.size());
        assertEquals(2, trainer.getInvocationCount());
        for (var r : results) {
            assertEquals(12, r.getA().getPredictions().size());
            assertTrue(r.getA().accuracy() >= 0 && r.getA().accuracy() <= 1);
            ((LoraDropModel) r.getB()).close();
        }
    }

    @Test
    void unknownLabelsAndTooFewClassesAreRejected() {
        LoraDropTrainer trainer = f.trainer().epochs(1).build();
        MutableDataset<Label> one = new MutableDataset<>(train.getProvenance(), new LabelFactory());
        one.add(TextExamples.of("the dog", new Label("animal")));
        one.add(TextExamples.of("a dog", new Label("animal")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.train(one));
        assertTrue(e.getMessage().contains("at least 2 labels"), e.getMessage());
        MutableDataset<Label> validation = new MutableDataset<>(train.getProvenance(), new LabelFactory());
        validation.add(TextExamples.of("the sun", new Label("planet")));
        e = assertThrows(IllegalArgumentException.class, () -> trainer.train(train, validation));
        assertTrue(e.getMessage().contains("Validation example 0") && e.getMessage().contains("planet"), e.getMessage());
    }

    static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
