/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.lora.DropoutMode;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextExamples;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The plugin's tiny test encoder (2 layers, hidden 32; {@code plugin/src/test/resources/peft}) with a matching
 * vocab.txt, and a synthetic three-class task whose class is one keyword among filler words; trains small models.
 */
final class TinyTask {
    static final Path TINY_ONNX = Path.of("..", "plugin", "src", "test", "resources", "peft", "tiny-legacy14-mean-none", "model.onnx");
    static final List<String> CLASSES = List.of("animal", "colour", "weather");
    static final List<String> KEYWORDS = List.of("dog", "red", "rain");
    static final List<String> FILLERS = List.of("the", "a", "on", "and", "with", "very", "quite", "old", "new", "big",
            "small", "house", "tree", "sky", "sun", "moon", "mat", "runs", "sits", "fast", "slow", "near", "far", "one",
            "two", "three", "is", "was", "not", "this");

    final Path encoder;
    final Path vocab;

    TinyTask(Path dir) throws IOException {
        Files.createDirectories(dir);
        encoder = dir.resolve("model.onnx");
        Files.copy(TINY_ONNX, encoder, StandardCopyOption.REPLACE_EXISTING);
        List<String> lines = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        lines.addAll(KEYWORDS);
        lines.addAll(FILLERS);
        vocab = dir.resolve("vocab.txt");
        Files.write(vocab, lines, StandardCharsets.UTF_8);
    }

    /** A quick trainer with LoRA dropout (so ensembles work); 3 epochs reach a partly trained, unsure model. */
    LoraDropTrainer.Builder trainer() {
        return LoraDropTrainer.builder(encoder, vocab).maxLength(16).rank(4).alpha(8).epochs(3).batchSize(8)
                .dropout(DropoutMode.INPUT, 0.1).learningRate(1e-2).warmupFraction(0.0).threads(1).logIntervalSeconds(60);
    }

    /** Trains on {@code perClass} examples per class and writes the model. */
    Path trainAndSave(LoraDropTrainer trainer, Path file) throws IOException {
        try (LoraDropModel m = trainer.train(dataset(20, 1))) {
            Files.write(file, m.serialize().toByteArray());
        }
        return file;
    }

    /** A text with its class keyword among 1 to 9 fillers (lengths vary, so batches pad). */
    static String text(int cls, Random rnd) {
        int n = 1 + rnd.nextInt(9);
        List<String> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            words.add(FILLERS.get(rnd.nextInt(FILLERS.size())));
        }
        // Some texts carry a second keyword, so the model is unsure about them.
        if (rnd.nextInt(4) == 0) {
            words.add(KEYWORDS.get(rnd.nextInt(KEYWORDS.size())));
        }
        words.add(rnd.nextInt(words.size() + 1), KEYWORDS.get(cls));
        return String.join(" ", words);
    }

    /** Labelled rows {@code (id, label, text)}, classes interleaved. */
    static List<String[]> rows(int n, long seed) {
        Random rnd = new Random(seed);
        List<String[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(CLASSES.size());
            out.add(new String[]{"r" + i, CLASSES.get(c), text(c, rnd)});
        }
        return out;
    }

    /** Trains a sentence-pair model (pair key {@link TextExamples#DEFAULT_PAIR_KEY}) on pair rows and writes it. */
    Path trainPairsAndSave(Path file) throws IOException {
        MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("tiny keyword pairs",
                new LabelFactory()), new LabelFactory());
        for (String[] r : pairRows(60, 1)) {
            d.add(TextExamples.of(r[2], r[3], new Label(r[1]), 1f));
        }
        try (LoraDropModel m = trainer().maxLength(24).pairKey(TextExamples.DEFAULT_PAIR_KEY).build().train(d)) {
            Files.write(file, m.serialize().toByteArray());
        }
        return file;
    }

    /**
     * Labelled sentence pairs {@code (id, label, text, pair)}: the class keyword is in the first text or, for every
     * third row, in the second, so the model needs both.
     */
    static List<String[]> pairRows(int n, long seed) {
        Random rnd = new Random(seed);
        List<String[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(CLASSES.size());
            String withKeyword = text(c, rnd);
            StringBuilder filler = new StringBuilder(FILLERS.get(rnd.nextInt(FILLERS.size())));
            for (int j = rnd.nextInt(6); j > 0; j--) {
                filler.append(' ').append(FILLERS.get(rnd.nextInt(FILLERS.size())));
            }
            boolean second = i % 3 == 2;
            out.add(new String[]{"p" + i, CLASSES.get(c), second ? filler.toString() : withKeyword,
                    second ? withKeyword : filler.toString()});
        }
        return out;
    }

    static MutableDataset<Label> dataset(int perClass, long seed) {
        MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("tiny keyword task seed " + seed,
                new LabelFactory()), new LabelFactory());
        for (String[] r : rows(perClass * CLASSES.size(), seed)) {
            d.add(TextExamples.of(r[2], new Label(r[1])));
        }
        return d;
    }

    /** Writes rows as a CSV file with header {@code id,label,text}. */
    static Path writeCsv(Path file, List<String[]> rows) throws IOException {
        List<String> lines = new ArrayList<>(List.of("id,label,text"));
        for (String[] r : rows) {
            lines.add(r[0] + "," + r[1] + "," + r[2]);
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }
}
