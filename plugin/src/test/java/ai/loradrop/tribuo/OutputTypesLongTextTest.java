/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.calibration.RegressionCalibration;
import ai.loradrop.text.LongText;
import ai.loradrop.tribuo.data.TextExamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.MultiLabelFactory;
import org.tribuo.multilabel.evaluation.MultiLabelEvaluator;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Long documents for the multi-label and regression models, on the tiny encoder at {@code maxLength} 16 (14 word
 * pieces a window): documents of {@value #FILLERS} one-piece filler words and any subset of the three keywords, each
 * (twice in a row) at a uniformly random place, so that most keywords lie past the first window. A model trained and read with
 * {@link LongText#WINDOWS} learns the task clearly better than one with {@link LongText#TRUNCATE} (held-out micro-F1
 * and pooled cross-entropy for multi-label, R² and RMSE for regression); a windowed prediction of a document is the
 * mean of the outputs of its windows, split by hand; and the long-text settings survive the protobuf round trip and
 * the other copies ({@code withThreads}, {@code withEnsemble}).
 */
class OutputTypesLongTextTest {
    /** Filler words per document (plus up to three keywords): 4 windows at stride {@value #STRIDE}. */
    private static final int FILLERS = 30;
    /** The fillers are drawn from the first {@value #FILLER_TYPES} of {@link TinyFixture#FILLERS}. */
    private static final int FILLER_TYPES = 8;
    /** A keyword present in a document occurs as {@value #REPEAT} consecutive copies (one place in the text). */
    private static final int REPEAT = 2;
    private static final int MAX_LENGTH = 16;
    private static final int BUDGET = MAX_LENGTH - 2;
    private static final int STRIDE = 7;

    @TempDir
    Path dir;

    /** A document: its words and the keywords it holds. */
    private record Doc(List<String> words, Set<Integer> keywords) {
        String text() {
            return String.join(" ", words);
        }
    }

    private static List<Doc> docs(int n, long seed) {
        Random rnd = new Random(seed);
        List<Doc> out = new ArrayList<>(n);
        for (int d = 0; d < n; d++) {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < FILLERS; i++) {
                words.add(TinyFixture.FILLERS.get(rnd.nextInt(FILLER_TYPES)));
            }
            Set<Integer> keywords = new HashSet<>();
            for (int k = 0; k < TinyFixture.KEYWORDS.size(); k++) {
                if (rnd.nextBoolean()) {
                    int at = rnd.nextInt(words.size() + 1);
                    for (int r = 0; r < REPEAT; r++) {
                        words.add(at, TinyFixture.KEYWORDS.get(k));
                    }
                    keywords.add(k);
                }
            }
            out.add(new Doc(words, keywords));
        }
        return out;
    }

    private static MutableDataset<MultiLabel> multiLabel(List<Doc> docs, String what) {
        MultiLabelFactory f = new MultiLabelFactory();
        MutableDataset<MultiLabel> d = new MutableDataset<>(new SimpleDataSourceProvenance(what, f), f);
        for (Doc doc : docs) {
            Set<Label> labels = new HashSet<>();
            doc.keywords().forEach(k -> labels.add(new Label(TinyFixture.CLASSES.get(k))));
            d.add(TextExamples.withMetadata(new MultiLabel(labels), 1f, Map.of(TextExamples.DEFAULT_TEXT_KEY, doc.text())));
        }
        return d;
    }

    /** The number of keywords a document holds, wherever they are. */
    private static MutableDataset<Regressor> regression(List<Doc> docs, String what) {
        RegressionFactory f = new RegressionFactory();
        MutableDataset<Regressor> d = new MutableDataset<>(new SimpleDataSourceProvenance(what, f), f);
        for (Doc doc : docs) {
            d.add(TextExamples.withMetadata(new Regressor("count", doc.keywords().size()), 1f,
                    Map.of(TextExamples.DEFAULT_TEXT_KEY, doc.text())));
        }
        return d;
    }

    /**
     * The texts of a document's windows, split by hand as {@link LongText#WINDOWS} documents it: {@value #BUDGET}
     * pieces starting every {@value #STRIDE}, the last one ending at the end of the text.
     */
    private static List<String> windows(Doc doc) {
        List<String> out = new ArrayList<>();
        int n = doc.words().size();
        for (int start = 0; ; start += STRIDE) {
            int s = Math.min(start, n - BUDGET);
            out.add(String.join(" ", doc.words().subList(s, s + BUDGET)));
            if (s + BUDGET >= n) {
                return out;
            }
        }
    }

    private static LoraDropMultiLabelTrainer multiLabelTrainer(TinyFixture f, LongText mode) {
        return LoraDropMultiLabelTrainer.builder(f.model, f.vocab)
                .set("maxLength", MAX_LENGTH).set("rank", 4).set("alpha", 8.0).set("epochs", 20).set("batchSize", 8)
                .set("learningRate", 3e-2).set("dropout", 0.1).set("warmupFraction", 0.0).set("threads", 1).set("logIntervalSeconds", 60.0)
                .set("longText", mode).set("windowStride", STRIDE).build();
    }

    private static LoraDropRegressionTrainer regressionTrainer(TinyFixture f, LongText mode) {
        return LoraDropRegressionTrainer.builder(f.model, f.vocab)
                .set("maxLength", MAX_LENGTH).set("rank", 4).set("alpha", 8.0).set("epochs", 20).set("batchSize", 8)
                .set("learningRate", 3e-2).set("dropout", 0.1).set("warmupFraction", 0.0).set("threads", 1).set("logIntervalSeconds", 60.0)
                .set("longText", mode).set("windowStride", STRIDE).build();
    }

    @SuppressWarnings("unchecked")
    private static <M extends Model<?>> M roundTrip(M m) {
        return (M) Model.deserialize(m.serialize());
    }

    private static double microF1(LoraDropMultiLabelModel m, MutableDataset<MultiLabel> test) {
        return new MultiLabelEvaluator().evaluate(m, test).microAveragedF1();
    }

    private static double probability(Prediction<MultiLabel> p, String label) {
        return p.getOutputScores().get(label).getLabelScore(new Label(label)).getAsDouble();
    }

    @Test
    void multiLabelWindowsFindKeywordsPastTheFirstWindowAndAverageTheWindows() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        List<Doc> testDocs = docs(60, 2);
        MutableDataset<MultiLabel> train = multiLabel(docs(120, 1), "long keywords 1");
        MutableDataset<MultiLabel> test = multiLabel(testDocs, "long keywords 2");
        double truncF1;
        double truncBce;
        try (LoraDropMultiLabelModel t = multiLabelTrainer(f, LongText.TRUNCATE).train(train)) {
            truncF1 = microF1(t, test);
            truncBce = OutputCalibrationTest.bce(t.predict(test));
        }
        try (LoraDropMultiLabelModel w = multiLabelTrainer(f, LongText.WINDOWS).train(train);
             LoraDropMultiLabelModel firstWindow = w.withLongText(LongText.TRUNCATE, STRIDE)) {
            assertEquals(LongText.WINDOWS, w.getLongText());
            assertEquals(STRIDE, w.getWindowStride());
            List<Prediction<MultiLabel>> predictions = w.predict(test);
            assertEquals(test.size(), predictions.size(), "one prediction per document");
            double winF1 = microF1(w, test);
            double winBce = OutputCalibrationTest.bce(predictions);
            double firstF1 = microF1(firstWindow, test);
            System.out.printf("multi-label, held-out micro-F1 / pooled BCE: TRUNCATE %.3f / %.4f, WINDOWS %.3f / %.4f;"
                    + " the windowed model reading its first window only %.3f%n", truncF1, truncBce, winF1, winBce, firstF1);
            assertTrue(winF1 > 0.8 && winF1 > truncF1 + 0.15, "WINDOWS " + winF1 + " vs TRUNCATE " + truncF1);
            assertTrue(winBce < truncBce - 0.1, "WINDOWS BCE " + winBce + " vs TRUNCATE " + truncBce);
            assertTrue(firstF1 < winF1 - 0.15, "the first window alone " + firstF1 + " vs all of them " + winF1);

            // A document's probabilities are the mean of its windows' (each window is short enough to be read whole).
            for (int i = 0; i < 10; i++) {
                Doc doc = testDocs.get(i);
                List<String> parts = windows(doc);
                assertEquals(w.getTokenizer().encodeLong(doc.text(), MAX_LENGTH, LongText.WINDOWS, STRIDE).size(),
                        parts.size(), "the windows split by hand are the model's");
                assertTrue(parts.size() >= 4, parts.toString());
                for (String label : TinyFixture.CLASSES) {
                    double mean = 0;
                    for (String part : parts) {
                        mean += probability(w.predict(part), label) / parts.size();
                    }
                    assertEquals(mean, probability(predictions.get(i), label), 1e-5, "document " + i + ", " + label);
                }
            }

            // The settings survive the protobuf round trip and the other copies.
            try (LoraDropMultiLabelModel back = roundTrip(w);
                 LoraDropMultiLabelModel oneThread = w.withThreads(1);
                 LoraDropMultiLabelModel ens = w.withEnsemble(3, 5);
                 LoraDropMultiLabelModel headTail = w.withLongText(LongText.HEAD_TAIL, STRIDE);
                 LoraDropMultiLabelModel headTailBack = roundTrip(headTail)) {
                assertEquals(LongText.WINDOWS, back.getLongText());
                assertEquals(STRIDE, back.getWindowStride());
                List<Prediction<MultiLabel>> again = back.predict(test);
                for (int i = 0; i < predictions.size(); i++) {
                    for (String label : TinyFixture.CLASSES) {
                        assertEquals(probability(predictions.get(i), label), probability(again.get(i), label), 1e-12);
                    }
                }
                assertEquals(LongText.WINDOWS, oneThread.getLongText());
                assertEquals(1, oneThread.getThreads());
                assertEquals(winBce, OutputCalibrationTest.bce(oneThread.predict(test)), 1e-9, "threads do not change predictions");
                assertEquals(LongText.WINDOWS, ens.getLongText());
                assertEquals(LongText.HEAD_TAIL, headTailBack.getLongText());
                assertEquals(OutputCalibrationTest.bce(headTail.predict(test)), OutputCalibrationTest.bce(headTailBack.predict(test)), 1e-12);
            }
            assertThrows(IllegalArgumentException.class, () -> w.withLongText(LongText.WINDOWS, BUDGET + 1),
                    "a stride longer than the window");
            assertThrows(IllegalArgumentException.class, () -> w.withThreads(-1));
        }
    }

    @Test
    void regressionWindowsCountKeywordsPastTheFirstWindowAndAverageTheWindows() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        List<Doc> testDocs = docs(60, 4);
        MutableDataset<Regressor> train = regression(docs(120, 3), "long keyword count 3");
        MutableDataset<Regressor> test = regression(testDocs, "long keyword count 4");
        double[] trunc;
        try (LoraDropRegressionModel t = regressionTrainer(f, LongText.TRUNCATE).train(train)) {
            trunc = r2AndRmse(t.predict(test));
        }
        try (LoraDropRegressionModel w = regressionTrainer(f, LongText.WINDOWS).train(train);
             LoraDropRegressionModel firstWindow = w.withLongText(LongText.TRUNCATE, STRIDE)) {
            assertEquals(LongText.WINDOWS, w.getLongText());
            List<Prediction<Regressor>> predictions = w.predict(test);
            double[] win = r2AndRmse(predictions);
            double[] first = r2AndRmse(firstWindow.predict(test));
            System.out.printf("regression, held-out R² / RMSE: TRUNCATE %.3f / %.3f, WINDOWS %.3f / %.3f;"
                    + " the windowed model reading its first window only %.3f / %.3f%n", trunc[0], trunc[1], win[0], win[1],
                    first[0], first[1]);
            // A window sees about half of a document, and the mean of its windows' values shrinks towards the mean
            // (a keyword outside a window counts as its prior there): even exact window values would give R² near
            // 0.5 here. Truncation sees the first 14 of about 33 words.
            assertTrue(win[0] > 0.3 && win[0] > trunc[0] + 0.3, "R² WINDOWS " + win[0] + " vs TRUNCATE " + trunc[0]);
            assertTrue(win[1] < 0.8 * trunc[1], "RMSE WINDOWS " + win[1] + " vs TRUNCATE " + trunc[1]);
            assertTrue(first[0] < win[0] - 0.2, "the first window alone " + first[0] + " vs all of them " + win[0]);

            // A document's value is the mean of its windows' values.
            for (int i = 0; i < 10; i++) {
                List<String> parts = windows(testDocs.get(i));
                double mean = 0;
                for (String part : parts) {
                    mean += w.predict(part).getOutput().getValues()[0] / parts.size();
                }
                assertEquals(mean, predictions.get(i).getOutput().getValues()[0], 1e-5, "document " + i);
            }

            try (LoraDropRegressionModel back = roundTrip(w);
                 LoraDropRegressionModel oneThread = w.withThreads(1);
                 LoraDropRegressionModel ens = w.withEnsemble(3, 5);
                 LoraDropRegressionModel ensBack = roundTrip(ens)) {
                assertEquals(LongText.WINDOWS, back.getLongText());
                assertEquals(STRIDE, back.getWindowStride());
                List<Prediction<Regressor>> again = back.predict(test);
                for (int i = 0; i < predictions.size(); i++) {
                    assertEquals(predictions.get(i).getOutput().getValues()[0], again.get(i).getOutput().getValues()[0], 1e-12);
                }
                assertEquals(LongText.WINDOWS, oneThread.getLongText());
                assertEquals(STRIDE, oneThread.getWindowStride());
                assertEquals(LongText.WINDOWS, ensBack.getLongText());
                assertEquals(3, ensBack.getEnsembleSize());
            }
        }
    }

    /** R² and RMSE of one-dimensional predictions. */
    private static double[] r2AndRmse(List<Prediction<Regressor>> predictions) {
        RegressionCalibration.PredictionArrays a = RegressionCalibration.fromPredictions(predictions);
        int n = a.mean().length;
        double mean = 0;
        for (double[] t : a.target()) {
            mean += t[0] / n;
        }
        double ssRes = 0;
        double ssTot = 0;
        for (int i = 0; i < n; i++) {
            ssRes += Math.pow(a.target()[i][0] - a.mean()[i][0], 2);
            ssTot += Math.pow(a.target()[i][0] - mean, 2);
        }
        return new double[]{1 - ssRes / ssTot, Math.sqrt(ssRes / n)};
    }
}
