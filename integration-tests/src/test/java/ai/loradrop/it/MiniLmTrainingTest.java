/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.Predict;
import ai.loradrop.text.Encoding;
import ai.loradrop.text.WordPieceTokenizer;
import ai.loradrop.train.BatchPredictor;
import ai.loradrop.train.EncodedExample;
import ai.loradrop.train.FineTuneResult;
import ai.loradrop.train.FineTuner;
import ai.loradrop.train.LrSchedule;
import ai.loradrop.train.TrainingConfig;
import ai.loradrop.tribuo.data.TextDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.classification.Label;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fine-tunes the real all-MiniLM-L6-v2 (from its Maven artifact) with LoRA on a few hundred WordNet glosses.
 */
class MiniLmTrainingTest {
    static final Path DATA = Path.of("..", "examples", "data", "wordnet-supersenses");

    @TempDir
    Path tmp;

    @Test
    void loraOnMiniLmLowersLossAndBeatsChance() throws Exception {
        BundledMiniLM.Paths files = BundledMiniLM.extract(tmp.resolve("minilm"));
        EncoderModel enc = EncoderModel.load(files.onnx());
        WordPieceTokenizer tok = WordPieceTokenizer.fromFile(files.tokenizer());
        List<Example<Label>> trainRows = rows("train.csv", 480, 1);
        List<Example<Label>> testRows = rows("test.csv", 300, 2);
        Map<String, Integer> labels = new TreeMap<>();
        for (Example<Label> e : trainRows) {
            labels.putIfAbsent(e.getOutput().getLabel(), labels.size());
        }
        List<EncodedExample> train = encode(trainRows, tok, labels);
        List<EncodedExample> test = encode(testRows, tok, labels);
        LoraConfig lc = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.INPUT, 0.1, true);
        ClassifierSpec spec = new ClassifierSpec(lc, Pooling.MEAN, labels.size(), 0);
        TrainingConfig cfg = new TrainingConfig(4, 16, 3e-3, 0.06, LrSchedule.LINEAR, AdamWConfig.defaults(), 1, 3, 2, 0, 30);
        FineTuneResult r = new FineTuner(enc, spec, cfg).fit(train, List.of(), tok.padId());
        double first = r.history().get(0).trainLoss();
        double last = r.history().get(r.history().size() - 1).trainLoss();
        assertTrue(last < 0.7 * first, "training loss should fall: epoch 1 " + first + ", last " + last);
        double correct = 0;
        try (Predict p = new Predict(enc, spec, r.params(), true, 2)) {
            float[][] probs = BatchPredictor.probabilities(p, test, 32, tok.padId());
            for (int i = 0; i < probs.length; i++) {
                int arg = 0;
                for (int k = 1; k < probs[i].length; k++) {
                    if (probs[i][k] > probs[i][arg]) {
                        arg = k;
                    }
                }
                correct += arg == test.get(i).label() ? 1 : 0;
            }
        }
        double acc = correct / test.size();
        System.out.printf("MiniLM LoRA: %d train rows, loss %.4f -> %.4f, test accuracy %.4f (chance %.4f), %.1f ex/s%n",
                train.size(), first, last, acc, 1.0 / labels.size(), r.examplesPerSecond());
        // 26 classes: chance is about 0.04; a few hundred rows of LoRA fine-tuning should reach well above it.
        assertTrue(acc >= 0.30, "test accuracy " + acc + " should be well above chance (1/26)");
    }

    static List<Example<Label>> rows(String file, int n, long seed) {
        TextDataSource src = new TextDataSource(DATA.resolve(file));
        List<Example<Label>> all = new ArrayList<>();
        src.forEach(all::add);
        Collections.shuffle(all, new Random(seed));
        return all.subList(0, Math.min(n, all.size()));
    }

    static List<EncodedExample> encode(List<Example<Label>> rows, WordPieceTokenizer tok, Map<String, Integer> labels) {
        List<EncodedExample> out = new ArrayList<>();
        for (Example<Label> e : rows) {
            Integer y = labels.get(e.getOutput().getLabel());
            if (y == null) {
                continue;
            }
            Encoding en = tok.encode((String) e.getMetadataValue("text").orElseThrow(), 64);
            out.add(new EncodedExample(en.inputIds(), en.typeIds(), y, 1f));
        }
        return out;
    }
}
