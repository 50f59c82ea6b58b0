/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.cli.LoraDropCli;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loradrop baseline} trains Tribuo's linear models on the shipped multi-label and regression sets and reaches
 * the stated quality; its JSON has the metric keys.
 */
class BaselineCommandTest {
    private static final Path DATA = Path.of("..", "examples", "data");

    @TempDir
    Path dir;

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoraDropCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new TreeSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void multiLabelBaselineOnDebtags() throws Exception {
        Path d = DATA.resolve("debian-debtags");
        Path json = dir.resolve("ml.json");
        String[] r = run("baseline", "--task", "multilabel", "--train", d.resolve("train.jsonl").toString(),
                "--dev", d.resolve("dev.jsonl").toString(), "--test", d.resolve("test.jsonl").toString(),
                "--json", json.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("micro_f1"), r[1]);
        JsonNode report = new ObjectMapper().readTree(Files.readString(json));
        JsonNode m = report.get("metrics");
        assertTrue(keys(m).containsAll(List.of("micro_f1", "macro_f1", "jaccard", "ece", "brier")), keys(m).toString());
        // Measured 0.551 / 0.245 / 0.487, ECE 0.012, Brier 0.039 (seed 1); bounds leave room for platform differences.
        assertTrue(m.get("micro_f1").asDouble() > 0.50, m.toString());
        assertTrue(m.get("macro_f1").asDouble() > 0.20, m.toString());
        assertTrue(m.get("jaccard").asDouble() > 0.44, m.toString());
        assertTrue(m.get("ece").asDouble() < 0.03, m.toString());
        // Always predicting the training prior of each label scores Brier 0.065 here; the model must beat it clearly.
        assertTrue(m.get("brier").asDouble() < 0.05, m.toString());
        assertEquals(20, report.get("labels").asInt());
        assertTrue(report.get("calibrated").get("temperature").asDouble() > 0);
        assertEquals(2500, report.get("examples_train").asInt());
        assertEquals(1000, report.get("examples_test").asInt());
    }

    @Test
    void regressionBaselinesOnWordnetDepth() throws Exception {
        Path d = DATA.resolve("wordnet-depth");
        Path json = dir.resolve("reg.json");
        String[] r = run("baseline", "--task", "regression", "--label-column", "depth", "--train",
                d.resolve("train.jsonl").toString(), "--dev", d.resolve("dev.jsonl").toString(), "--test",
                d.resolve("test.jsonl").toString(), "--json", json.toString());
        assertEquals("0", r[0], r[2]);
        JsonNode report = new ObjectMapper().readTree(Files.readString(json));
        JsonNode m = report.get("metrics");
        assertEquals(Set.of("rmse", "mae", "r2", "nll", "coverage"), keys(m));
        assertEquals(Set.of("0.5", "0.8", "0.95"), keys(m.get("coverage")));
        // Measured RMSE 1.860, R2 0.325, NLL 2.040, coverage 0.554 / 0.828 / 0.944 (the test depth has sd 2.26).
        assertTrue(m.get("rmse").asDouble() < 2.0, m.toString());
        assertTrue(m.get("r2").asDouble() > 0.25, m.toString());
        // A dev-fitted constant variance gives roughly nominal coverage on the test set.
        assertEquals(0.95, m.get("coverage").get("0.95").asDouble(), 0.03, m.toString());
        assertEquals(0.8, m.get("coverage").get("0.8").asDouble(), 0.06, m.toString());
        assertEquals("dev", report.get("variance").get("fitted_on").asText());

        String[] lib = run("baseline", "--task", "regression", "--trainer", "liblinear", "--label-column", "depth",
                "--train", d.resolve("train.jsonl").toString(), "--test", d.resolve("test.jsonl").toString());
        assertEquals("0", lib[0], lib[2]);
        assertTrue(lib[1].contains("LibLinearTrainer") && lib[1].contains("variance (from train)"), lib[1]);
    }

    @Test
    void mistakesAreUsageErrors() throws Exception {
        Path train = DATA.resolve("wordnet-depth/train.jsonl");
        String[] task = run("baseline", "--task", "classification", "--train", train.toString(), "--test", train.toString());
        assertEquals("2", task[0]);
        assertTrue(task[2].contains("--task must be multilabel or regression"), task[2]);
        String[] lib = run("baseline", "--task", "multilabel", "--trainer", "liblinear", "--train", train.toString(),
                "--test", train.toString());
        assertEquals("2", lib[0]);
        assertTrue(lib[2].contains("liblinear is for regression"), lib[2]);
        Path copy = dir.resolve("train.jsonl");
        Files.copy(train, copy);
        String[] clash = run("baseline", "--task", "regression", "--label-column", "depth", "--train", copy.toString(),
                "--test", copy.toString(), "--json", copy.toString());
        assertEquals("2", clash[0]);
        assertTrue(clash[2].contains("is one of the input files"), clash[2]);
        assertEquals(Files.size(train), Files.size(copy));
        String[] help = run("--help");
        assertTrue(help[1].contains("loradrop baseline"), help[1]);
    }
}
