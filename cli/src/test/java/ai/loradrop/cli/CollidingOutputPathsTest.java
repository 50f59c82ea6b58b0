/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 1: output paths that collide with an input or with each other used to destroy files with exit 0
 * ({@code train --output} equal to {@code --train}, {@code --report} equal to {@code --output}, {@code export --onnx}
 * equal to {@code --model}, {@code --diagram P} with {@code --report P.png}, {@code predict --input F --output F}).
 * Each is now refused before any work (exit 2, both options named), also through a symbolic or hard link, and the
 * files keep their bytes.
 */
class CollidingOutputPathsTest {
    @TempDir
    static Path dir;
    static TinyFixture fx;
    static Path model;

    @BeforeAll
    static void setUp() throws IOException {
        fx = TinyFixture.in(dir);
        model = fx.model(dir.resolve("m.tribuo"));
    }

    private static void assertRefused(CliRun r, String... names) {
        assertEquals(2, r.code(), r.toString());
        for (String n : names) {
            assertTrue(r.err().contains(n), "expected " + n + " in\n" + r);
        }
    }

    @Test
    void trainOutputEqualToTrainIsRefused() throws IOException {
        byte[] before = Files.readAllBytes(fx.train);
        CliRun r = CliRun.of(fx.train("--output", fx.train.toString()));
        assertRefused(r, "--output", "--train", "would destroy");
        assertArrayEquals(before, Files.readAllBytes(fx.train), "the training data is intact");
    }

    @Test
    void reportEqualToOutputIsRefusedAlsoThroughASymlink() throws IOException {
        Path out = dir.resolve("r1.tribuo");
        Path link = Files.createSymbolicLink(dir.resolve("r1-link.json"), out.getFileName());
        CliRun r = CliRun.of(fx.train("--output", out.toString(), "--report", link.toString()));
        assertRefused(r, "--output", "--report", "same file");
        assertFalse(Files.exists(out), "nothing was trained or written");
        CliRun same = CliRun.of(fx.train("--output", out.toString(), "--report", out.toString()));
        assertRefused(same, "--output", "--report");
    }

    @Test
    void exportOnnxEqualToModelIsRefusedAlsoThroughAHardLink() throws IOException {
        byte[] before = Files.readAllBytes(model);
        assertRefused(CliRun.of("export", "--model", model.toString(), "--onnx", model.toString()), "--onnx", "--model");
        Path hard = Files.createLink(dir.resolve("hard.onnx"), model);
        assertRefused(CliRun.of("export", "--model", model.toString(), "--onnx", hard.toString()), "--onnx", "--model");
        assertArrayEquals(before, Files.readAllBytes(model), "the model is intact");
    }

    @Test
    void diagramPrefixColludingWithReportIsRefused() throws IOException {
        String prefix = dir.resolve("calib").toString();
        Path report = Path.of(prefix + ".png");
        CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--data", fx.test.toString(),
                "--report", report.toString(), "--diagram", prefix);
        assertRefused(r, "--diagram", "--report");
        assertFalse(Files.exists(report));
        // The train command checks the expanded files too.
        CliRun t = CliRun.of(fx.train("--test", fx.test.toString(), "--output", dir.resolve("t.tribuo").toString(),
                "--report", prefix + ".svg", "--diagram", prefix));
        assertRefused(t, "--diagram", "--report");
    }

    @Test
    void predictInputEqualToOutputIsRefused() throws IOException {
        Path texts = dir.resolve("texts.csv");
        Files.writeString(texts, "text\nthe dog runs\nred sky\n");
        byte[] before = Files.readAllBytes(texts);
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", texts.toString(), "--output", texts.toString());
        assertRefused(r, "--output", "--input", "would destroy");
        assertArrayEquals(before, Files.readAllBytes(texts), "the input is intact");
        // Through ".." and the folder's own name.
        Path roundabout = dir.resolve("sub").resolve("..").resolve("texts.csv");
        Files.createDirectories(dir.resolve("sub"));
        assertRefused(CliRun.of("predict", "--model", model.toString(), "--input", texts.toString(), "--output",
                roundabout.toString()), "--output", "--input");
        assertArrayEquals(before, Files.readAllBytes(texts));
    }

    @Test
    void exportAdapterOverTheModelsOwnFolderFilesIsChecked() throws IOException {
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        Path inside = adapter.resolve("adapter_model.safetensors");
        Files.copy(model, inside);
        CliRun r = CliRun.of("export", "--model", inside.toString(), "--peft", adapter.toString());
        assertRefused(r, "--peft", "--model");
        assertArrayEquals(Files.readAllBytes(model), Files.readAllBytes(inside));
    }
}
