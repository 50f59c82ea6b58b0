/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.tribuo.LoraDropTrainer;
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
 * The tiny test encoder (2 layers, hidden 32) in a folder with a matching vocab.txt, and a synthetic three-class task
 * whose class is given by one keyword among filler words; a base trainer and a small grid that run in a second.
 */
final class SweepFixture {
    static final List<String> CLASSES = List.of("animal", "colour", "weather");
    static final List<String> KEYWORDS = List.of("dog", "red", "rain");
    static final List<String> FILLERS = List.of("the", "a", "on", "and", "with", "very", "quite", "old", "new", "big",
            "small", "house", "tree", "sky", "sun", "moon", "mat", "runs", "sits", "fast", "slow", "near", "far", "one",
            "two", "three", "is", "was", "not", "this");

    /** The grid of the sweep tests: 2 modes x 2 dropouts x 2 seeds = 8 runs. */
    static final String GRID_JSON = """
            {"trainer": {"maxLength": 16, "rank": 4, "alpha": 8, "epochs": 2, "batchSize": 8, "learningRate": 0.01,
                         "warmupFraction": 0.0, "threads": 1, "logIntervalSeconds": 60},
             "grid": {"dropoutMode": ["INPUT", "SPARSE"], "dropout": [0.0, 0.2]},
             "seeds": [1, 2], "ensembleSize": 3, "maxEnsembleSize": 4}
            """;

    final Path model;
    final Path vocab;

    SweepFixture(Path dir) throws IOException {
        this(dir, true);
    }

    /**
     * The fixture in a folder.
     * @param dir the folder.
     * @param create whether to write the files (false: they are there already, written by another process).
     */
    SweepFixture(Path dir, boolean create) throws IOException {
        this.model = dir.resolve("model.onnx");
        this.vocab = dir.resolve("vocab.txt");
        if (!create) {
            return;
        }
        Files.createDirectories(dir);
        try (InputStream in = SweepFixture.class.getResourceAsStream("/peft/tiny-legacy14-mean-none/model.onnx")) {
            Files.copy(in, model, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> lines = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        lines.addAll(KEYWORDS);
        lines.addAll(FILLERS);
        lines.add("##s");
        Files.write(vocab, lines, StandardCharsets.UTF_8);
    }

    LoraDropTrainer base() {
        return LoraDropTrainer.builder(model, vocab).build();
    }

    static String text(int cls, Random rnd) {
        int n = 3 + rnd.nextInt(4);
        List<String> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            words.add(FILLERS.get(rnd.nextInt(FILLERS.size())));
        }
        words.add(rnd.nextInt(words.size() + 1), KEYWORDS.get(cls));
        return String.join(" ", words);
    }

    /** A dataset; with {@code labelShift} > 0 each example's label is rotated by that many classes. */
    static MutableDataset<Label> dataset(int perClass, long seed, int labelShift) {
        Random rnd = new Random(seed);
        MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("tiny keyword task seed " + seed,
                new LabelFactory()), new LabelFactory());
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < CLASSES.size(); c++) {
                d.add(TextExamples.of(text(c, rnd), new Label(CLASSES.get((c + labelShift) % CLASSES.size()))));
            }
        }
        return d;
    }

    static SweepData data() {
        return new SweepData(dataset(20, 1, 0), dataset(8, 2, 0), dataset(8, 3, 0));
    }
}
