/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.data.TextExamples;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --quantized-merge} on the command line, on the tiny test encoder quantized to int8 at load
 * ({@code --quantize-base INT8}): {@code train} takes it as the trainer setting (an option derived from the
 * {@code @Config} field), and {@code predict} and {@code evaluate} override a saved model's form with it; the help
 * shows the setting's one description.
 */
class QuantizedMergeCliTest {
    @TempDir
    static Path dir;
    static Path encoderDir;
    static Path train;
    static Path model;
    static Path texts;
    static List<String> inputTexts;

    @BeforeAll
    static void trainTinyInt8Model() throws IOException {
        encoderDir = TinyModelCliTest.writeTinyEncoder(dir.resolve("tiny-encoder"));
        train = TinyModelCliTest.writeCsv(dir.resolve("train.csv"), 20, 1);
        model = dir.resolve("int8.tribuo");
        CliRun r = train(model);
        assertEquals(0, r.code(), r.toString());
        Random rnd = new Random(4);
        inputTexts = new ArrayList<>();
        List<String> lines = new ArrayList<>(List.of("id,text"));
        for (int i = 0; i < 12; i++) {
            String t = TinyModelCliTest.text(i % 3, rnd);
            inputTexts.add(t);
            lines.add("t" + i + "," + t);
        }
        texts = Files.write(dir.resolve("texts.csv"), lines, StandardCharsets.UTF_8);
    }

    private static CliRun train(Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--train", train.toString(), "--base-model", encoderDir.toString(),
                "--quantize-base", "INT8", "--max-length", "16", "--rank", "4", "--alpha", "8", "--epochs", "4",
                "--dropout-mode", "INPUT", "--dropout", "0.1", "--batch-size", "8", "--learning-rate", "1e-2",
                "--warmup-fraction", "0", "--threads", "1", "--output", output.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void helpShowsTheSettingsDescriptionWithTheTrainerDefaultOrTheModels() {
        String train = CliRun.of("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(train.contains("--quantized-merge BRANCH|REQUANTIZE " + QuantizedMerge.DESCRIPTION + " [BRANCH]"), train);
        for (String command : List.of("predict", "evaluate")) {
            CliRun help = CliRun.of(command, "--help");
            assertEquals(0, help.code(), help.toString());
            String flat = help.out().replaceAll("\\s+", " ");
            assertTrue(flat.contains("--quantized-merge F " + QuantizedMerge.DESCRIPTION + " [the model's]"), flat);
            assertTrue(flat.contains("[--quantized-merge F]"), command + " usage: " + flat);
        }
    }

    @Test
    void trainOptionSetsTheModelsForm() throws Exception {
        try (LoraDropModel m = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(model))) {
            assertEquals(QuantizedMerge.BRANCH, m.getQuantizedMerge(), "the trainer's default");
            assertTrue(m.getEncoder().linears().stream().anyMatch(l -> l.isInt8()), "an int8 base");
        }
        Path rq = dir.resolve("int8-requantized.tribuo");
        CliRun r = train(rq, "--quantized-merge", "REQUANTIZE");
        assertEquals(0, r.code(), r.toString());
        try (LoraDropModel m = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(rq))) {
            assertEquals(QuantizedMerge.REQUANTIZE, m.getQuantizedMerge());
        }
    }

    @Test
    void predictOverrideGivesTheRequantizedScores() throws Exception {
        Path branchOut = dir.resolve("branch.csv");
        Path requantizedOut = dir.resolve("requantized.csv");
        CliRun b = CliRun.of("predict", "--model", model.toString(), "--input", texts.toString(), "--output", branchOut.toString());
        assertEquals(0, b.code(), b.toString());
        CliRun q = CliRun.of("predict", "--model", model.toString(), "--input", texts.toString(), "--output",
                requantizedOut.toString(), "--quantized-merge", "requantize");
        assertEquals(0, q.code(), q.toString());
        try (LoraDropModel m = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(model));
             LoraDropModel requantized = m.withQuantizedMerge(QuantizedMerge.REQUANTIZE)) {
            List<String> labels = List.of("animal", "colour", "weather");
            double[][] wantBranch = probabilities(m, labels);
            double[][] wantRequantized = probabilities(requantized, labels);
            double[][] gotBranch = written(branchOut, labels);
            double[][] gotRequantized = written(requantizedOut, labels);
            double moved = 0;
            for (int i = 0; i < wantBranch.length; i++) {
                for (int c = 0; c < labels.size(); c++) {
                    assertEquals(wantBranch[i][c], gotBranch[i][c], 1e-12, "BRANCH row " + i);
                    assertEquals(wantRequantized[i][c], gotRequantized[i][c], 1e-12, "REQUANTIZE row " + i);
                    moved = Math.max(moved, Math.abs(gotRequantized[i][c] - gotBranch[i][c]));
                }
            }
            System.out.printf("tiny int8 model: predict --quantized-merge REQUANTIZE moves probabilities by at most %.3g%n", moved);
            assertTrue(moved > 1e-6, "the override changes the program: " + moved);
        }
    }

    @Test
    void evaluateOverrideIsReported() throws IOException {
        Path report = dir.resolve("eval.json");
        CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--data", train.toString(), "--quantized-merge",
                "REQUANTIZE", "--report", report.toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals("REQUANTIZE", j.get("settings").get("quantized_merge").asText(), j.get("settings").toString());
    }

    @Test
    void badValueNamesTheOptionAndItsValues() {
        Path out = dir.resolve("never.csv");
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", texts.toString(), "--output", out.toString(),
                "--quantized-merge", "fold");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Option --quantized-merge must be one of [BRANCH, REQUANTIZE], got 'fold'"), r.err());
        assertFalse(Files.exists(out), "no output on a usage error");
        CliRun t = train(dir.resolve("never.tribuo"), "--quantized-merge", "fold");
        assertEquals(2, t.code(), t.toString());
        assertTrue(t.err().contains("Option --quantized-merge must be one of [BRANCH, REQUANTIZE], got 'fold'"), t.err());
    }

    /** The model's probabilities of the input texts, predicted as {@code predict} does (one list, in file order). */
    private static double[][] probabilities(LoraDropModel m, List<String> labels) {
        List<Example<Label>> examples = new ArrayList<>();
        for (String t : inputTexts) {
            Map<String, Object> metadata = new HashMap<>();
            metadata.put(m.getTextKey(), t);
            examples.add(TextExamples.withMetadata(LabelFactory.UNKNOWN_LABEL, 1f, metadata));
        }
        List<Prediction<Label>> p = m.predict(examples);
        double[][] out = new double[p.size()][labels.size()];
        for (int i = 0; i < out.length; i++) {
            for (int c = 0; c < labels.size(); c++) {
                out[i][c] = p.get(i).getOutputScores().get(labels.get(c)).getScore();
            }
        }
        return out;
    }

    /** The {@code p:label} columns of a predictions CSV. */
    private static double[][] written(Path csv, List<String> labels) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> header = List.of(lines.get(0).split(","));
        double[][] out = new double[lines.size() - 1][labels.size()];
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",");
            for (int c = 0; c < labels.size(); c++) {
                out[i - 1][c] = Double.parseDouble(cells[header.indexOf("p:" + labels.get(c))]);
            }
        }
        assertEquals(inputTexts.size(), out.length);
        return out;
    }
}
