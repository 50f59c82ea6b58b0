/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --task multilabel|regression}, {@code evaluate} and {@code predict} end to end on the tiny test
 * encoder: synthetic texts holding any subset of three keywords, labelled with the set of their classes (multi-label,
 * labels joined by commas in a CSV) or with a number the keywords add up to (regression, JSON lines). The reports
 * carry the keys under {@code deterministic} and {@code ensemble}, training learns the task, long documents are
 * read as {@code --long-text}/{@code --window-stride} say in {@code evaluate} and {@code predict}, and the options of
 * one task are refused for another before any work.
 */
class TaskCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What each keyword adds to the regression target. */
    private static final double[] WEIGHTS = {1.0, 2.0, 4.0};

    @TempDir
    static Path dir;
    static Path encoder;

    @BeforeAll
    static void encoder() throws IOException {
        encoder = TinyFixture.in(dir).encoder;
    }


    static List<String> common(Path encoder, Path train, Path test, Path model, Path report, int epochs, String lr) {
        return new ArrayList<>(List.of("train", "--train", train.toString(), "--test", test.toString(),
                "--base-model", encoder.toString(), "--max-length", "16", "--rank", "4", "--alpha", "8", "--epochs", String.valueOf(epochs),
                "--dropout-mode", "INPUT", "--dropout", "0.1", "--batch-size", "8", "--learning-rate", lr,
                "--warmup-fraction", "0", "--threads", "1", "--ensemble", "4", "--ensemble-seed", "3",
                "--output", model.toString(), "--report", report.toString()));
    }

    /** A text with the keywords of {@code mask}'s bits among fillers. */
    private static String text(int mask, Random rnd) {
        List<String> words = new ArrayList<>();
        int n = 3 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            words.add(TinyModelCliTest.FILLERS.get(rnd.nextInt(TinyModelCliTest.FILLERS.size())));
        }
        for (int c = 0; c < 3; c++) {
            if ((mask & (1 << c)) != 0) {
                words.add(rnd.nextInt(words.size() + 1), TinyModelCliTest.KEYWORDS.get(c));
            }
        }
        return String.join(" ", words);
    }

    static Path multiLabelCsv(Path file, int copies, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>(List.of("id,label,text"));
        for (int k = 0; k < copies; k++) {
            for (int mask = 0; mask < 8; mask++) {
                List<String> labels = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    if ((mask & (1 << c)) != 0) {
                        labels.add(TinyModelCliTest.CLASSES.get(c));
                    }
                }
                lines.add("m" + seed + "-" + lines.size() + ",\"" + String.join(",", labels) + "\"," + text(mask, rnd));
            }
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    static Path regressionJsonl(Path file, int copies, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < copies; k++) {
            for (int mask = 0; mask < 8; mask++) {
                double y = 0;
                for (int c = 0; c < 3; c++) {
                    y += (mask & (1 << c)) != 0 ? WEIGHTS[c] : 0;
                }
                lines.add("{\"id\": \"r" + seed + "-" + lines.size() + "\", \"text\": \"" + text(mask, rnd) + "\", \"score\": " + y + "}");
            }
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void multiLabelTrainEvaluatePredict() throws IOException {
        Path train = multiLabelCsv(dir.resolve("ml-train.csv"), 8, 1);
        Path test = multiLabelCsv(dir.resolve("ml-test.csv"), 3, 2);
        Path model = dir.resolve("ml.tribuo");
        Path report = dir.resolve("ml.json");
        List<String> args = common(encoder, train, test, model, report, 10, "1e-2");
        args.addAll(List.of("--task", "multilabel", "--threshold", "0.5"));
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        JsonNode json = JSON.readTree(report.toFile());
        assertEquals("multilabel", json.get("task").asText());
        for (String section : List.of(EvaluationReport.DETERMINISTIC, EvaluationReport.ENSEMBLE)) {
            JsonNode s = json.get(section);
            for (String k : List.of("micro_f1", "macro_f1", "jaccard", "ece", "brier")) {
                assertTrue(s.get(k).isNumber(), section + " lacks " + k + ": " + s);
            }
        }
        // Three independent keyword detectors: a learnt model gets most (example, label) decisions right.
        assertTrue(json.get("deterministic").get("micro_f1").asDouble() > 0.7, json.get("deterministic").toString());
        assertEquals(4, json.get("ensemble").get("ensemble_size").asInt());

        Path evalReport = dir.resolve("ml-eval.json");
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--report", evalReport.toString());
        assertEquals(0, e.code(), e.toString());
        JsonNode ej = JSON.readTree(evalReport.toFile());
        assertEquals(json.get("ensemble").get("micro_f1").asDouble(), ej.get("ensemble").get("micro_f1").asDouble(), 1e-12,
                "evaluate reproduces the training report's ensemble");

        Path predictions = dir.resolve("ml-pred.csv");
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", predictions.toString());
        assertEquals(0, p.code(), p.toString());
        List<String> lines = Files.readAllLines(predictions);
        assertEquals("id,labels,p:animal,p:colour,p:weather", lines.get(0));
        assertEquals(25, lines.size());

        // export --onnx and --peft work for a multi-label model; the adapter predicts as the model does.
        Path onnx = dir.resolve("ml.onnx");
        Path peft = dir.resolve("ml-peft");
        CliRun x = CliRun.of("export", "--model", model.toString(), "--onnx", onnx.toString(), "--peft", peft.toString());
        assertEquals(0, x.code(), x.toString());
        assertTrue(x.out().contains("Merged ONNX model written to " + onnx) && x.out().contains("multi_label_classification")
                && x.out().contains("one sigmoid per label"), x.out());
        assertTrue(Files.size(onnx) > 0);
        JsonNode sidecar = JSON.readTree(peft.resolve("loradrop_config.json").toFile());
        assertEquals("multi_label_classification", sidecar.get("problem_type").asText());
        assertEquals(0.5, sidecar.get("threshold").asDouble(), 0.0);
        Path viaAdapter = dir.resolve("ml-pred-peft.csv");
        CliRun pa = CliRun.of("predict", "--peft", peft.toString(), "--base-model", encoder.toString(), "--input", test.toString(),
                "--output", viaAdapter.toString());
        assertEquals(0, pa.code(), pa.toString());
        assertEquals(lines, Files.readAllLines(viaAdapter), "the adapter (its task read from loradrop_config.json) predicts as the model");
        CliRun explicit = CliRun.of("predict", "--peft", peft.toString(), "--base-model", encoder.toString(), "--task", "multilabel",
                "--threshold", "0.99", "--text", "the red dog sits", "--ensemble", "1");
        assertEquals(0, explicit.code(), explicit.toString());
        CliRun wrong = CliRun.of("predict", "--peft", peft.toString(), "--base-model", encoder.toString(), "--task", "regression",
                "--text", "the red dog sits");
        assertEquals(2, wrong.code(), wrong.toString());
        assertTrue(wrong.err().contains(peft.toString()) && wrong.err().contains("problem_type 'multi_label_classification'"),
                wrong.err());
    }

    @Test
    void regressionTrainEvaluatePredict() throws IOException {
        Path train = regressionJsonl(dir.resolve("r-train.jsonl"), 8, 1);
        Path dev = regressionJsonl(dir.resolve("r-dev.jsonl"), 2, 3);
        Path test = regressionJsonl(dir.resolve("r-test.jsonl"), 3, 2);
        Path model = dir.resolve("r.tribuo");
        Path report = dir.resolve("r.json");
        List<String> args = common(encoder, train, test, model, report, 20, "2e-2");
        args.addAll(List.of("--task", "regression", "--label-column", "score", "--dev", dev.toString(), "--loss", "HUBER"));
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        JsonNode json = JSON.readTree(report.toFile());
        for (String section : List.of(EvaluationReport.DETERMINISTIC, EvaluationReport.ENSEMBLE)) {
            JsonNode s = json.get(section);
            for (String k : List.of("rmse", "mae", "r2", "nll")) {
                assertTrue(s.get(k).isNumber(), section + " lacks " + k + ": " + s);
            }
            for (String level : List.of("0.5", "0.8", "0.95")) {
                double c = s.get("coverage").get(level).asDouble();
                assertTrue(c >= 0 && c <= 1, section + " coverage " + level + " = " + c);
            }
        }
        assertTrue(json.get("ensemble").get("variance_scale").asDouble() > 0);
        assertEquals("dev", json.get("ensemble").get("variance_scale_fitted_on").asText());
        // The target is a sum of keyword weights (sd about 2.3): a learnt model explains most of it.
        assertTrue(json.get("deterministic").get("r2").asDouble() > 0.5, json.get("deterministic").toString());

        Path predictions = dir.resolve("r-pred.jsonl");
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", predictions.toString());
        assertEquals(0, p.code(), p.toString());
        JsonNode first = JSON.readTree(Files.readAllLines(predictions).get(0));
        assertTrue(first.get("prediction").isNumber() && first.get("variance").asDouble() > 0, first.toString());

        // export --onnx and --peft work for a regression model; the adapter predicts as the model does.
        Path onnx = dir.resolve("r.onnx");
        Path peft = dir.resolve("r-peft");
        CliRun x = CliRun.of("export", "--model", model.toString(), "--onnx", onnx.toString(), "--peft", peft.toString());
        assertEquals(0, x.code(), x.toString());
        assertTrue(x.out().contains("Merged ONNX model written to " + onnx) && x.out().contains("predictions (in the training"
                + " targets' units"), x.out());
        JsonNode sidecar = JSON.readTree(peft.resolve("loradrop_config.json").toFile());
        assertEquals("regression", sidecar.get("problem_type").asText());
        assertEquals("HUBER", sidecar.get("head_loss").asText());
        assertTrue(sidecar.get("target").get("std").get(0).asDouble() > 1, "the targets' deviation: " + sidecar.get("target"));
        Path viaAdapter = dir.resolve("r-pred-peft.jsonl");
        CliRun pa = CliRun.of("predict", "--peft", peft.toString(), "--base-model", encoder.toString(), "--task", "regression",
                "--input", test.toString(), "--output", viaAdapter.toString());
        assertEquals(0, pa.code(), pa.toString());
        assertEquals(Files.readAllLines(predictions), Files.readAllLines(viaAdapter), "the adapter predicts as the model");
        Path evalReport = dir.resolve("r-eval-peft.json");
        CliRun ea = CliRun.of("evaluate", "--peft", peft.toString(), "--base-model", encoder.toString(), "--data", test.toString(),
                "--label-column", "score", "--report", evalReport.toString());
        assertEquals(0, ea.code(), ea.toString());
        JsonNode ej = JSON.readTree(evalReport.toFile());
        assertEquals("regression", ej.get("task").asText());
        assertEquals(json.get("deterministic").get("rmse").asDouble(), ej.get("deterministic").get("rmse").asDouble(), 1e-9,
                "the adapter's deterministic RMSE, in the targets' units, is the model's");
        CliRun asClassifier = CliRun.of("predict", "--peft", peft.toString(), "--base-model", encoder.toString(),
                "--task", "classification", "--text", "the red dog sits");
        assertEquals(2, asClassifier.code(), asClassifier.toString());
        assertTrue(asClassifier.err().contains("problem_type 'regression'"), asClassifier.err());

        CliRun one = CliRun.of("predict", "--model", model.toString(), "--text", "the red dog sits", "--ensemble", "1");
        assertEquals(0, one.code(), one.toString());
        assertTrue(one.out().contains("prediction: "), one.out());
        assertFalse(one.out().contains("variance"), "a deterministic prediction has no variance: " + one.out());
    }

    /**
     * Long documents: 30 fillers (of 8 kinds) with each keyword, twice in a row, present with probability 1/2 anywhere
     * in the text, labelled with the set of their classes; at {@code --max-length 16} a window holds 14 words.
     */
    static Path longMultiLabelCsv(Path file, int rows, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>(List.of("id,label,text"));
        for (int i = 0; i < rows; i++) {
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 30; w++) {
                words.add(TinyModelCliTest.FILLERS.get(rnd.nextInt(8)));
            }
            List<String> labels = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                if (rnd.nextBoolean()) {
                    int at = rnd.nextInt(words.size() + 1);
                    words.add(at, TinyModelCliTest.KEYWORDS.get(c));
                    words.add(at, TinyModelCliTest.KEYWORDS.get(c));
                    labels.add(TinyModelCliTest.CLASSES.get(c));
                }
            }
            lines.add("l" + seed + "-" + i + ",\"" + String.join(",", labels) + "\"," + String.join(" ", words));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void multiLabelLongDocumentsTakeLongTextWindowStrideAndThreads() throws IOException {
        Path train = longMultiLabelCsv(dir.resolve("long-train.csv"), 120, 1);
        Path test = longMultiLabelCsv(dir.resolve("long-test.csv"), 60, 2);
        Path model = dir.resolve("long.tribuo");
        List<String> args = common(encoder, train, test, model, dir.resolve("long.json"), 20, "3e-2");
        args.addAll(List.of("--task", "multilabel", "--long-text", "WINDOWS", "--window-stride", "7"));
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());

        // evaluate reads the documents as the model was trained to, or as --long-text says.
        Path own = dir.resolve("long-eval.json");
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--report", own.toString());
        assertEquals(0, e.code(), e.toString());
        Path truncated = dir.resolve("long-eval-truncate.json");
        CliRun et = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--long-text", "TRUNCATE",
                "--threads", "1", "--report", truncated.toString());
        assertEquals(0, et.code(), et.toString());
        JsonNode ej = JSON.readTree(own.toFile());
        JsonNode tj = JSON.readTree(truncated.toFile());
        assertEquals("WINDOWS", ej.get("settings").get("long_text").asText());
        assertEquals(7, ej.get("settings").get("window_stride").asInt());
        assertEquals("TRUNCATE", tj.get("settings").get("long_text").asText());
        double windows = ej.get("deterministic").get("micro_f1").asDouble();
        double first = tj.get("deterministic").get("micro_f1").asDouble();
        System.out.printf("long documents, evaluate micro-F1: WINDOWS (the model's own) %.3f, --long-text TRUNCATE %.3f%n",
                windows, first);
        assertTrue(windows > 0.75 && windows > first + 0.15, "micro-F1 with WINDOWS " + windows + ", the first window only " + first);

        // predict: the options given as the model's own change nothing; another reading changes the predictions.
        Path p1 = dir.resolve("long-pred.csv");
        Path p2 = dir.resolve("long-pred-windows.csv");
        Path p3 = dir.resolve("long-pred-truncate.csv");
        assertEquals(0, CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", p1.toString()).code());
        CliRun pw = CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", p2.toString(),
                "--long-text", "WINDOWS", "--window-stride", "7", "--threads", "1");
        assertEquals(0, pw.code(), pw.toString());
        CliRun pt = CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", p3.toString(),
                "--long-text", "TRUNCATE");
        assertEquals(0, pt.code(), pt.toString());
        assertEquals(Files.readAllLines(p1), Files.readAllLines(p2));
        Path p4 = dir.resolve("long-pred-threads.csv");
        CliRun threads = CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", p4.toString(),
                "--threads", "1");
        assertEquals(0, threads.code(), threads.toString());
        assertEquals(Files.readAllLines(p1), Files.readAllLines(p4), "--threads alone keeps the model's WINDOWS");
        assertFalse(Files.readAllLines(p1).equals(Files.readAllLines(p3)), "TRUNCATE reads other text than WINDOWS");

        // Invalid values and the classification-only options are refused with the option named.
        CliRun stride = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--window-stride", "15");
        assertEquals(2, stride.code(), stride.toString());
        assertTrue(stride.err().contains("Invalid --long-text/--window-stride") && stride.err().contains("between 1 and 14"),
                stride.err());
        CliRun diagram = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--diagram",
                dir.resolve("long-diagram").toString());
        assertEquals(2, diagram.code(), diagram.toString());
        assertTrue(diagram.err().contains("--diagram draws a classifier's reliability diagram; multilabel models have none"),
                diagram.err());
        CliRun base = CliRun.of("predict", "--model", model.toString(), "--text", "the red dog", "--base-model", encoder.toString());
        assertEquals(2, base.code(), base.toString());
        assertTrue(base.err().contains("--base-model (the new place of a moved base encoder) is not supported for multilabel"),
                base.err());
    }

    @Test
    void optionsOfAnotherTaskAreRefusedBeforeTraining() throws IOException {
        Path train = multiLabelCsv(dir.resolve("opt-train.csv"), 1, 1);
        Path model = dir.resolve("never.tribuo");
        CliRun loss = CliRun.of("train", "--task", "multilabel", "--train", train.toString(), "--base-model", encoder.toString(),
                "--loss", "HUBER", "--output", model.toString());
        assertEquals(2, loss.code(), loss.toString());
        assertTrue(loss.err().contains("--loss applies to --task regression"), loss.err());
        CliRun threshold = CliRun.of("train", "--train", TinyModelCliTest.writeCsv(dir.resolve("c.csv"), 2, 1).toString(),
                "--base-model", encoder.toString(), "--threshold", "0.4", "--output", model.toString());
        assertEquals(2, threshold.code(), threshold.toString());
        assertTrue(threshold.err().contains("--threshold applies to --task multilabel"), threshold.err());
        CliRun task = CliRun.of("train", "--task", "ranking", "--train", train.toString(), "--base-model", encoder.toString(),
                "--output", model.toString());
        assertEquals(2, task.code(), task.toString());
        assertTrue(task.err().contains("classification|multilabel|regression"), task.err());
        assertFalse(Files.exists(model), "nothing was trained");
    }
}
