/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.tribuo.data.TextExamples;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The tiny test encoder (2 layers, hidden 32, vocab 120, 64 positions) copied into a folder, a matching lower-case
 * vocab.txt, and a synthetic text task whose class is given by one keyword among random filler words.
 */
final class TinyFixture {
    static final List<String> CLASSES = List.of("animal", "colour", "weather");
    static final List<String> KEYWORDS = List.of("dog", "red", "rain");
    static final List<String> FILLERS = List.of("the", "a", "on", "and", "with", "very", "quite", "old", "new", "big",
            "small", "house", "tree", "sky", "sun", "moon", "mat", "runs", "sits", "fast", "slow", "near", "far", "one",
            "two", "three", "is", "was", "not", "this");

    final Path dir;
    final Path model;
    final Path vocab;

    TinyFixture(Path dir) throws IOException {
        this.dir = dir;
        this.model = dir.resolve("model.onnx");
        try (InputStream in = TinyFixture.class.getResourceAsStream("/peft/tiny-legacy14-mean-none/model.onnx")) {
            Files.copy(in, model, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> lines = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        lines.addAll(KEYWORDS);
        lines.addAll(FILLERS);
        lines.add("##s");
        this.vocab = dir.resolve("vocab.txt");
        Files.write(vocab, lines, StandardCharsets.UTF_8);
    }

    LoraDropTrainer.Builder trainer() {
        return LoraDropTrainer.builder(model, vocab).maxLength(16).rank(4).alpha(8).epochs(8).batchSize(8)
                .learningRate(1e-2).warmupFraction(0.0).threads(1).logIntervalSeconds(60);
    }

    /** A text with its class keyword among 3 to 6 fillers. */
    static String text(int cls, Random rnd) {
        int n = 3 + rnd.nextInt(4);
        List<String> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            words.add(FILLERS.get(rnd.nextInt(FILLERS.size())));
        }
        words.add(rnd.nextInt(words.size() + 1), KEYWORDS.get(cls));
        return String.join(" ", words);
    }

    static MutableDataset<Label> dataset(int perClass, long seed) {
        Random rnd = new Random(seed);
        MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("tiny keyword task seed " + seed,
                new LabelFactory()), new LabelFactory());
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < CLASSES.size(); c++) {
                d.add(TextExamples.of(text(c, rnd), new Label(CLASSES.get(c))));
            }
        }
        return d;
    }
}
