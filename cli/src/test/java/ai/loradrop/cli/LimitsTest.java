/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 11: limits that used to fail late or natively. {@code --threads} beyond the machine's cores
 * (100000 aborted the JVM natively after minutes) is refused by the trainer's validation and by predict/evaluate;
 * {@code --max-length} beyond the encoder's position table (texts over it then failed with a raw ONNX Runtime error)
 * is refused by the trainer and the model, read from the encoder's position-embedding initializer; an ensemble too
 * large for memory is refused with an estimate before any member is built.
 */
class LimitsTest {
    @TempDir
    static Path dir;
    static TinyFixture fx;
    static Path model;
    static final int CORES = Runtime.getRuntime().availableProcessors();

    @BeforeAll
    static void setUp() throws IOException {
        fx = TinyFixture.in(dir);
        model = fx.model(dir.resolve("m.tribuo"), "--dropout-mode", "SPARSE", "--dropout", "0.3");
    }

    @Test
    void threadsBeyondTheCoresAreRefused() {
        CliRun r = CliRun.of("train", "--train", fx.train.toString(), "--base-model", fx.encoder.toString(),
                "--output", dir.resolve("t.tribuo").toString(), "--threads", "100000");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Invalid --threads: threads is 100000, but this machine has " + CORES + " cores"), r.toString());
        PropertyException e = assertThrows(PropertyException.class, () -> LoraDropTrainer.builder(
                fx.encoder.resolve("model.onnx"), fx.encoder.resolve("vocab.txt")).threads(CORES + 1).build());
        assertEquals("threads", e.getProperty());
        for (String command : new String[]{"predict", "evaluate"}) {
            CliRun p = command.equals("predict")
                    ? CliRun.of("predict", "--model", model.toString(), "--text", "the dog", "--threads", "100000")
                    : CliRun.of("evaluate", "--model", model.toString(), "--data", fx.test.toString(), "--threads", "100000");
            assertEquals(2, p.code(), p.toString());
            assertTrue(p.err().contains("Invalid --threads"), p.toString());
        }
        CliRun ok = CliRun.of("predict", "--model", model.toString(), "--text", "the dog", "--threads", "1");
        assertEquals(0, ok.code(), ok.toString());
    }

    @Test
    void maxLengthBeyondThePositionTableIsRefusedBeforeTraining() throws IOException {
        long positions = EncoderModel.load(fx.encoder.resolve("model.onnx")).positionTableSize();
        assertTrue(positions > 2, "the tiny encoder has a learned position table: " + positions);
        // Texts longer than the table: before, these reached ONNX Runtime and failed inside a Gather.
        Path longTexts = dir.resolve("long.csv");
        StringBuilder sb = new StringBuilder("label,text\n");
        for (String c : TinyModelCliTest.CLASSES) {
            for (int i = 0; i < 4; i++) {
                sb.append(c).append(',').append("the ".repeat((int) positions + 10)).append(TinyModelCliTest.KEYWORDS
                        .get(TinyModelCliTest.CLASSES.indexOf(c))).append('\n');
            }
        }
        Files.writeString(longTexts, sb.toString());
        Path out = dir.resolve("long.tribuo");
        CliRun r = CliRun.of("train", "--train", longTexts.toString(), "--base-model", fx.encoder.toString(),
                "--max-length", String.valueOf(positions + 1), "--rank", "4", "--epochs", "1", "--batch-size", "4",
                "--threads", "1", "--output", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("maxLength is " + (positions + 1) + ", but the encoder has only " + positions
                + " positions"), r.toString());
        assertTrue(r.err().contains("use at most " + positions), r.toString());
        assertFalse(r.err().contains("OrtException"), r.toString());
        assertFalse(Files.exists(out));
        // At the table's size it trains.
        CliRun fits = CliRun.of("train", "--train", longTexts.toString(), "--base-model", fx.encoder.toString(),
                "--max-length", String.valueOf(positions), "--rank", "4", "--epochs", "1", "--batch-size", "4",
                "--threads", "1", "--output", out.toString());
        assertEquals(0, fits.code(), fits.toString());
    }

    @Test
    void ensembleTooLargeForMemoryIsRefusedWithAnEstimate() {
        Path out = dir.resolve("e.tribuo");
        CliRun r = CliRun.of(fx.train("--dropout-mode", "SPARSE", "--dropout", "0.3", "--ensemble", "100000000",
                "--output", out.toString()));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("ensembleSize 100000000 needs about"), r.toString());
        assertTrue(r.err().contains("use at most"), r.toString());
        assertFalse(Files.exists(out), "refused before training");
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--text", "the dog", "--ensemble", "100000000");
        assertEquals(1, p.code(), p.toString());
        assertTrue(p.err().contains("Ensemble size 100000000 needs about"), p.toString());
    }
}
