/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.tribuo.data.TextExamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short end-to-end run on the real all-MiniLM-L6-v2 encoder and its tokenizer.json: a small sentiment-like task,
 * a reference-mode protobuf round trip.
 */
class MiniLmTrainerTest {
    @TempDir
    Path dir;

    private Path copy(String resource) throws Exception {
        Path p = dir.resolve(resource);
        try (InputStream in = MiniLmTrainerTest.class.getResourceAsStream("/" + resource)) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void fineTunesMiniLm() throws Exception {
        Path onnx = copy("all-minilm-l6-v2.onnx");
        Path tokenizer = copy("all-minilm-l6-v2-tokenizer.json");
        List<String> good = List.of("I loved this film, wonderful acting", "a delightful and charming story",
                "brilliant, moving and beautifully made", "great fun from start to finish", "an excellent, joyful movie",
                "superb performances and a lovely script", "I enjoyed every minute of it", "warm, funny and uplifting");
        List<String> bad = List.of("I hated this film, terrible acting", "a dull and tedious story",
                "awful, boring and badly made", "a miserable waste of two hours", "an ugly, painful movie",
                "wooden performances and a stupid script", "I regretted every minute of it", "cold, unfunny and depressing");
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance("sentiment", new LabelFactory()),
                new LabelFactory());
        for (int i = 0; i < good.size(); i++) {
            data.add(TextExamples.of(good.get(i), new Label("pos")));
            data.add(TextExamples.of(bad.get(i), new Label("neg")));
        }
        LoraDropTrainer trainer = LoraDropTrainer.builder(onnx, tokenizer).maxLength(32).epochs(6).batchSize(8)
                .learningRate(5e-3).embedBaseModel(false).logIntervalSeconds(60).build();
        try (LoraDropModel m = trainer.train(data)) {
            double acc = new LabelEvaluator().evaluate(m, data).accuracy();
            assertTrue(acc >= 0.9, "training accuracy " + acc);
            assertEquals("pos", m.predict("what a wonderful, charming film").getOutput().getLabel());
            assertEquals("neg", m.predict("what a boring, awful film").getOutput().getLabel());
            Path file = dir.resolve("minilm.tribuo");
            m.serializeToFile(file);
            assertTrue(Files.size(file) < 1_000_000, "reference mode stores no encoder: " + Files.size(file) + " bytes");
            try (LoraDropModel loaded = (LoraDropModel) Model.deserializeFromFile(file)) {
                LoraDropModelTest.assertSameProbabilities(LoraDropModelTest.probabilities(m.predict(data), List.of("pos", "neg")),
                        LoraDropModelTest.probabilities(loaded.predict(data), List.of("pos", "neg")));
            }
        }
    }
}
