/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tiny test encoder (from the plugin's fixtures) with a matching vocab.txt and the keyword task of
 * {@link TinyModelCliTest}, in a folder of the test's, for tests that need real files and a trained model.
 */
final class TinyFixture {
    final Path dir;
    final Path encoder;
    final Path train;
    final Path test;

    private TinyFixture(Path dir) throws IOException {
        this.dir = dir;
        this.encoder = TinyModelCliTest.writeTinyEncoder(dir.resolve("enc"));
        this.train = TinyModelCliTest.writeCsv(dir.resolve("train.csv"), 12, 1);
        this.test = TinyModelCliTest.writeCsv(dir.resolve("test.csv"), 4, 2);
    }

    static TinyFixture in(Path dir) throws IOException {
        return new TinyFixture(dir);
    }

    /** The train command on the fixture, short settings, followed by {@code more}. */
    String[] train(String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--train", train.toString(), "--base-model", encoder.toString(),
                "--max-length", "16", "--rank", "4", "--alpha", "8", "--epochs", "1", "--batch-size", "8",
                "--learning-rate", "1e-2", "--threads", "1"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    /** Trains a model (one short epoch) into {@code file}. */
    Path model(Path file, String... more) {
        List<String> a = new ArrayList<>(List.of(train("--output", file.toString())));
        a.addAll(List.of(more));
        CliRun r = CliRun.of(a.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        return file;
    }
}
