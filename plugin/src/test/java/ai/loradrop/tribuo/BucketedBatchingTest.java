/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.lora.DropoutMode;
import ai.loradrop.train.Batcher;
import ai.loradrop.train.EncodedExample;
import ai.loradrop.tribuo.data.TextExamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A text's prediction does not depend on the other texts of the {@code predict} call, nor on how many there are,
 * nor on the ONNX Runtime thread count: inference batches are length-bucketed ({@link Batcher#inferenceBatches}),
 * so every row is padded to its own padded length, and ONNX Runtime computes a row of a batch of that length with the
 * same float operations whatever its batch mates. Checked bit for bit ({@code ==} on doubles) for the deterministic
 * model and for test-time ensembles in both dropout modes (INPUT: masked LoRA branches; SPARSE: stacked member
 * weights), with calls of 1 to 70 texts in shuffled orders and texts of 1 to 30 tokens (four padded lengths).
 */
class BucketedBatchingTest {
    @TempDir
    Path dir;

    /** Texts of 1 to 28 words (3 to 30 tokens with [CLS] and [SEP]). */
    static List<Example<Label>> texts(int n, long seed) {
        Random rnd = new Random(seed);
        List<Example<Label>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(TinyFixture.CLASSES.size());
            int words = 1 + rnd.nextInt(28);
            List<String> w = new ArrayList<>();
            for (int j = 0; j < words - 1; j++) {
                w.add(TinyFixture.FILLERS.get(rnd.nextInt(TinyFixture.FILLERS.size())));
            }
            w.add(rnd.nextInt(w.size() + 1), TinyFixture.KEYWORDS.get(c));
            out.add(TextExamples.of(String.join(" ", w), new Label(TinyFixture.CLASSES.get(c))));
        }
        return out;
    }

    @Test
    void batchesNeverMixPaddedLengths() {
        List<EncodedExample> rows = new ArrayList<>();
        Random rnd = new Random(3);
        for (int i = 0; i < 200; i++) {
            int len = 1 + rnd.nextInt(40);
            rows.add(EncodedExample.unlabeled(new int[len], new int[len]));
        }
        Set<Integer> seen = new HashSet<>();
        for (int[] b : Batcher.inferenceBatches(rows, 16)) {
            assertTrue(b.length >= 1 && b.length <= 16);
            int padded = Batcher.paddedLength(rows.get(b[0]).length());
            for (int i : b) {
                assertEquals(padded, Batcher.paddedLength(rows.get(i).length()), "one padded length per batch");
                assertTrue(seen.add(i), "each row once");
            }
            assertEquals(padded, Batcher.toBatch(rows, b, 0, false).seq(), "a row is padded to its own padded length");
        }
        assertEquals(rows.size(), seen.size(), "every row");
    }

    @Test
    void deterministicPredictionsDoNotDependOnBatchMates() throws Exception {
        try (LoraDropModel m = train(DropoutMode.INPUT)) {
            assertIndependentOfBatching(m, texts(70, 5));
        }
    }

    @Test
    void inputDropoutEnsembleDoesNotDependOnBatchMates() throws Exception {
        try (LoraDropModel m = train(DropoutMode.INPUT); LoraDropModel e = m.withEnsemble(5, 11L)) {
            assertIndependentOfBatching(e, texts(70, 6));
        }
    }

    @Test
    void sparseDropoutEnsembleDoesNotDependOnBatchMates() throws Exception {
        try (LoraDropModel m = train(DropoutMode.SPARSE); LoraDropModel e = m.withEnsemble(6, 2L)) {
            assertIndependentOfBatching(e, texts(70, 7));
        }
    }

    private LoraDropModel train(DropoutMode mode) throws Exception {
        TinyFixture f = new TinyFixture(dir);
        return f.trainer().maxLength(32).epochs(2).dropout(mode, 0.2).build().train(TinyFixture.dataset(10, 1));
    }

    /**
     * Predicts every text alone (the reference), all together, in shuffled chunks of random sizes, and all together
     * with 2 ONNX Runtime threads, and asserts identical probabilities (and uncertainty, for ensembles).
     */
    static void assertIndependentOfBatching(LoraDropModel m, List<Example<Label>> texts) {
        List<Prediction<Label>> alone = new ArrayList<>();
        for (Example<Label> t : texts) {
            alone.addAll(m.predict(List.of(t)));
        }
        assertSame(alone, m.predict(texts), m, "one call of " + texts.size());
        Random rnd = new Random(17);
        for (int trial = 0; trial < 3; trial++) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, rnd);
            int s = 0;
            while (s < order.size()) {
                int e = Math.min(order.size(), s + 1 + rnd.nextInt(40));
                List<Example<Label>> chunk = new ArrayList<>();
                List<Prediction<Label>> expected = new ArrayList<>();
                for (int i : order.subList(s, e)) {
                    chunk.add(texts.get(i));
                    expected.add(alone.get(i));
                }
                assertSame(expected, m.predict(chunk), m, "a shuffled chunk of " + chunk.size());
                s = e;
            }
        }
        try (LoraDropModel two = m.withThreads(2)) {
            assertSame(alone, two.predict(texts), m, "2 threads");
        }
    }

    static void assertSame(List<Prediction<Label>> expected, List<Prediction<Label>> actual, LoraDropModel m, String what) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Prediction<Label> e = expected.get(i);
            Prediction<Label> a = actual.get(i);
            assertEquals(e.getOutput().getLabel(), a.getOutput().getLabel(), what);
            for (Label l : e.getOutputScores().values()) {
                double x = l.getScore();
                double y = a.getOutputScores().get(l.getLabel()).getScore();
                assertTrue(x == y, what + ", text " + i + " '" + e.getExample().getMetadataValue(TextExamples.DEFAULT_TEXT_KEY)
                        .orElse("") + "', label " + l.getLabel() + ": " + x + " != " + y);
            }
            if (m.getEnsembleSize() > 1) {
                assertEquals(LoraDropModel.uncertainty(e), LoraDropModel.uncertainty(a), what);
            }
        }
    }
}
