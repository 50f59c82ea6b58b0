/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.tribuo.data.TextExamples;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the trainer reads Tribuo data: example weights, sentence pairs, truncation.
 */
class LoraDropTrainerDataTest {
    @TempDir
    Path dir;
    TinyFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new TinyFixture(dir);
    }

    private static MutableDataset<Label> empty(String what) {
        return new MutableDataset<>(new SimpleDataSourceProvenance(what, new LabelFactory()), new LabelFactory());
    }

    @Test
    void zeroWeightExamplesDoNotTeach() {
        // Every text appears twice: with its true class at weight 1 and with a wrong class at weight 0.
        Random rnd = new Random(5);
        MutableDataset<Label> data = empty("weighted");
        for (int i = 0; i < 20; i++) {
            for (int c = 0; c < 3; c++) {
                String text = TinyFixture.text(c, rnd);
                data.add(TextExamples.of(text, null, new Label(TinyFixture.CLASSES.get(c)), 1f));
                data.add(TextExamples.of(text, null, new Label(TinyFixture.CLASSES.get((c + 1) % 3)), 0f));
            }
        }
        try (LoraDropModel m = f.trainer().epochs(20).learningRate(2e-2).build().train(data)) {
            double acc = new LabelEvaluator().evaluate(m, TinyFixture.dataset(15, 9)).accuracy();
            assertTrue(acc >= 0.9, "accuracy against the weight-1 labels " + acc);
        }
    }

    @Test
    void sentencePairsUseTheSecondText() {
        // The class keyword is in the second text only; the first text is noise.
        Random rnd = new Random(6);
        MutableDataset<Label> data = empty("pairs");
        for (int i = 0; i < 20; i++) {
            for (int c = 0; c < 3; c++) {
                data.add(TextExamples.of(TinyFixture.text(rnd.nextInt(3), rnd), TinyFixture.text(c, rnd),
                        new Label(TinyFixture.CLASSES.get(c)), 1f));
            }
        }
        try (LoraDropModel m = f.trainer().maxLength(24).pairKey(TextExamples.DEFAULT_PAIR_KEY).epochs(20)
                .learningRate(2e-2).build().train(data)) {
            assertEquals(TextExamples.DEFAULT_PAIR_KEY, m.getPairKey().orElseThrow());
            assertEquals("colour", m.predict("the dog runs", "a red house").getOutput().getLabel());
            assertEquals("animal", m.predict("rain on the red tree", "one old dog").getOutput().getLabel());
            assertThrows(IllegalArgumentException.class, () -> m.predict("the dog"));
            double acc = new LabelEvaluator().evaluate(m, data).accuracy();
            assertTrue(acc >= 0.9, "training accuracy " + acc);
        }
    }

    @Test
    void truncationIsCountedAndMissingTextNamesTheExample() {
        MutableDataset<Label> data = TinyFixture.dataset(5, 3);
        // Every text has at least 4 words, so 4 tokens ([CLS], 2 words, [SEP]) truncate all of them.
        try (LoraDropModel m = f.trainer().maxLength(4).epochs(1).build().train(data)) {
            assertEquals(new IntProvenance(LoraDropTrainer.TRUNCATED_EXAMPLES, 15),
                    m.getProvenance().getInstanceProvenance().getMap().get(LoraDropTrainer.TRUNCATED_EXAMPLES));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.trainer().textKey("body").epochs(1).build().train(data));
        assertTrue(e.getMessage().contains("Training data: Example 0") && e.getMessage().contains("'body'"), e.getMessage());
    }
}
