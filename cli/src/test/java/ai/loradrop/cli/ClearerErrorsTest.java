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
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 12 (the command-line parts): errors that used to be vague or misleading now name the problem.
 */
class ClearerErrorsTest {
    @TempDir
    static Path dir;
    static TinyFixture fx;
    static Path model;

    @BeforeAll
    static void setUp() throws IOException {
        fx = TinyFixture.in(dir);
        model = fx.model(dir.resolve("m.tribuo"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    @Test
    void movedOrEditedReferencedBaseModelShowsTheRealReasonAndBaseModelPointsAtTheNewPlace() throws IOException {
        Path enc = dir.resolve("enc-ref");
        copyTree(fx.encoder, enc);
        Path ref = dir.resolve("ref.tribuo");
        CliRun trained = CliRun.of("train", "--train", fx.train.toString(), "--base-model", enc.toString(),
                "--max-length", "16", "--rank", "4", "--epochs", "1", "--threads", "1", "--reference-base-model",
                "--output", ref.toString());
        assertEquals(0, trained.code(), trained.toString());
        Path moved = dir.resolve("enc-moved");
        Files.move(enc, moved);

        CliRun missing = CliRun.of("predict", "--model", ref.toString(), "--text", "the dog");
        assertEquals(1, missing.code(), missing.toString());
        assertTrue(missing.err().contains("its file is missing: " + enc.resolve("model.onnx").toAbsolutePath()), missing.toString());
        assertTrue(missing.err().contains("give its new place with --base-model"), missing.toString());
        assertFalse(missing.err().contains("deserialization method"), "the reflection wrapper's message is gone: " + missing);

        CliRun found = CliRun.of("predict", "--model", ref.toString(), "--base-model", moved.toString(), "--text", "the dog");
        assertEquals(0, found.code(), found.toString());
        assertTrue(found.out().contains("label: "), found.toString());
        CliRun evaluated = CliRun.of("evaluate", "--model", ref.toString(), "--base-model", moved.toString(),
                "--data", fx.test.toString());
        assertEquals(0, evaluated.code(), evaluated.toString());

        Files.write(moved.resolve("model.onnx"), new byte[]{1}, StandardOpenOption.APPEND);
        CliRun edited = CliRun.of("predict", "--model", ref.toString(), "--base-model", moved.toString(), "--text", "the dog");
        assertEquals(1, edited.code(), edited.toString());
        assertTrue(edited.err().contains("has SHA-256"), edited.toString());
        assertTrue(edited.err().contains("the adapters only work with the original encoder"), edited.toString());
    }

    @Test
    void emptyModelFileSaysSo() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.tribuo"));
        CliRun r = CliRun.of("predict", "--model", empty.toString(), "--text", "the dog");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("The model file " + empty + " is empty (0 bytes)"), r.toString());
    }

    @Test
    void emptyCsvSaysSo() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.csv"));
        CliRun t = CliRun.of("train", "--train", empty.toString(), "--base-model", fx.encoder.toString(), "--output",
                dir.resolve("x.tribuo").toString());
        assertEquals(2, t.code(), t.toString());
        assertTrue(t.err().contains("The data file " + empty + " is empty (0 bytes)"), t.toString());
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--input", empty.toString(), "--output",
                dir.resolve("p.csv").toString());
        assertEquals(2, p.code(), p.toString());
        assertTrue(p.err().contains("is empty (0 bytes)"), p.toString());
    }

    @Test
    void fifoAndStdinAsInputSaySo() throws Exception {
        Path fifo = dir.resolve("texts.csv");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--input", fifo.toString(), "--output",
                dir.resolve("p.csv").toString());
        assertEquals(2, p.code(), p.toString());
        assertTrue(p.err().contains("is not a regular file but a pipe, device or terminal"), p.toString());
        CliRun t = CliRun.of("train", "--train", "/dev/stdin", "--base-model", fx.encoder.toString(), "--output",
                dir.resolve("x.tribuo").toString());
        if (!Files.isRegularFile(Path.of("/dev/stdin"))) {
            assertEquals(2, t.code(), t.toString());
            assertTrue(t.err().contains("cannot read a stream or /dev/stdin"), t.toString());
        }
    }

    @Test
    void txtInputNamesTheExtensionsNotAFormatSetting() throws IOException {
        Path txt = Files.writeString(dir.resolve("texts.txt"), "text,label\nthe dog,animal\n");
        CliRun t = CliRun.of("train", "--train", txt.toString(), "--base-model", fx.encoder.toString(), "--output",
                dir.resolve("x.tribuo").toString());
        assertEquals(2, t.code(), t.toString());
        assertTrue(t.err().contains("Cannot tell the format of " + txt + " from its extension"), t.toString());
        assertTrue(t.err().contains(".csv, .tsv/.tab and .jsonl/.ndjson"), t.toString());
        assertFalse(t.err().contains("format'"), "no 'format' setting the CLI does not have: " + t);
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data", txt.toString());
        assertEquals(2, e.code(), e.toString());
        assertTrue(e.err().contains("Cannot tell the format of " + txt), e.toString());
    }

    @Test
    void validationFractionLeavingLessThanABatchIsRefused() {
        // 36 rows, 90% held out: 4 left, batch 8.
        CliRun r = CliRun.of("train", "--train", fx.train.toString(), "--base-model", fx.encoder.toString(),
                "--max-length", "16", "--rank", "4", "--epochs", "1", "--batch-size", "8", "--threads", "1",
                "--validation-fraction", "0.9", "--output", dir.resolve("v.tribuo").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("validationFraction 0.9 holds out 32 of the 36 training examples, leaving 4 to train on:"
                + " fewer than one batch (batchSize 8)"), r.toString());
        assertFalse(Files.exists(dir.resolve("v.tribuo")));
    }
}
