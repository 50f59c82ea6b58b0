/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train}, {@code evaluate} and {@code predict} end to end on the tiny test encoder (2 layers, hidden 32,
 * vocabulary 120; from the plugin's test fixtures) with a matching vocab.txt, on a synthetic task whose class is
 * given by one keyword among filler words. One model is trained for the whole class.
 */
class TinyModelCliTest {
    static final Path TINY_ONNX = Path.of("..", "plugin", "src", "test", "resources", "peft", "tiny-legacy14-mean-none", "model.onnx");
    static final List<String> CLASSES = List.of("animal", "colour", "weather");
    static final List<String> KEYWORDS = List.of("dog", "red", "rain");
    static final List<String> FILLERS = List.of("the", "a", "on", "and", "with", "very", "quite", "old", "new", "big",
            "small", "house", "tree", "sky", "sun", "moon", "mat", "runs", "sits", "fast", "slow", "near", "far", "one",
            "two", "three", "is", "was", "not", "this");

    @TempDir
    static Path dir;
    static Path encoderDir;
    static Path train;
    static Path test;
    static Path model;
    static Path trainReport;
    static CliRun trained;

    @BeforeAll
    static void trainTinyModel() throws IOException {
        encoderDir = writeTinyEncoder(dir.resolve("tiny-encoder"));
        train = writeCsv(dir.resolve("train.csv"), 20, 1);
        test = writeCsv(dir.resolve("test.csv"), 10, 2);
        model = dir.resolve("tiny.tribuo");
        trainReport = dir.resolve("train-report.json");
        // The folder form of --base-model: model.onnx and vocab.txt are found inside.
        trained = CliRun.of("train", "--train", train.toString(), "--test", test.toString(), "--id-column", "id",
                "--base-model", encoderDir.toString(), "--max-length", "16", "--rank", "4", "--alpha", "8",
                "--epochs", "8", "--dropout-mode", "INPUT", "--dropout", "0.1", "--batch-size", "8", "--learning-rate", "1e-2", "--warmup-fraction", "0",
                "--threads", "1", "--ensemble", "4", "--ensemble-seed", "3",
                "--output", model.toString(), "--report", trainReport.toString(), "--diagram", dir.resolve("train-diagram").toString());
    }

    /** {@code perClass} rows per class: an id, the label and a text holding the class keyword among fillers. */
    /**
     * Writes the tiny test encoder into a new folder: its {@code model.onnx} and a {@code vocab.txt} of the special
     * tokens, {@link #KEYWORDS} and {@link #FILLERS}.
     * @param folder the folder (created).
     * @return the folder.
     * @throws IOException when a file cannot be written.
     */
    static Path writeTinyEncoder(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.copy(TINY_ONNX, folder.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(KEYWORDS);
        vocab.addAll(FILLERS);
        Files.write(folder.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        return folder;
    }

    static Path writeCsv(Path file, int perClass, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>(List.of("id,label,text"));
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < CLASSES.size(); c++) {
                lines.add("r" + seed + "-" + lines.size() + "," + CLASSES.get(c) + "," + text(c, rnd));
            }
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    static String text(int cls, Random rnd) {
        List<String> words = new ArrayList<>();
        int n = 3 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            words.add(FILLERS.get(rnd.nextInt(FILLERS.size())));
        }
        words.add(rnd.nextInt(words.size() + 1), KEYWORDS.get(cls));
        return String.join(" ", words);
    }

    static void assertMetrics(JsonNode variant, int examples) {
        for (String k : List.of("accuracy", "macro_f1", "ece", "mce", "brier", "nll")) {
            assertTrue(variant.get(k).isNumber(), k + " missing in " + variant);
        }
        assertEquals(examples, variant.get("examples").asInt());
        JsonNode bins = variant.get("reliability");
        assertEquals(15, bins.size());
        int count = 0;
        for (JsonNode b : bins) {
            count += b.get("count").asInt();
        }
        assertEquals(examples, count, "the reliability bins must hold every example");
    }

    @Test
    void trainWritesModelReportAndDiagram() throws IOException {
        assertEquals(0, trained.code(), trained.toString());
        assertTrue(trained.out().contains("Model (K=4, temperature 1.0000) written to " + model), trained.out());
        assertTrue(trained.out().contains("=== deterministic"), trained.out());
        assertTrue(trained.out().contains("=== ensemble K=4"), trained.out());
        JsonNode r = new ObjectMapper().readTree(trainReport.toFile());
        for (String k : List.of("deterministic", "ensemble", "train_seconds", "examples_per_second", "provenance",
                "test_examples", "settings")) {
            assertTrue(r.has(k), "report key " + k + " missing: " + r);
        }
        assertEquals(30, r.get("test_examples").asInt());
        assertMetrics(r.get("deterministic"), 30);
        assertMetrics(r.get("ensemble"), 30);
        assertEquals(4, r.get("ensemble").get("ensemble_size").asInt());
        assertEquals(3, r.get("ensemble").get("ensemble_seed").asInt());
        // The keyword task is easy: the tiny encoder learns it.
        assertTrue(r.get("deterministic").get("accuracy").asDouble() >= 0.9, r.get("deterministic").toString());
        assertTrue(r.get("train_seconds").asDouble() > 0);
        assertEquals("8", r.get("settings").get("hyperparameters_given").get("epochs").asText());
        assertEquals("ai.loradrop.tribuo.LoraDropTrainer",
                r.get("provenance").get("trainer").get("class-name").asText(), r.get("provenance").toString());
        assertTrue(Files.size(dir.resolve("train-diagram.png")) > 1000);
        assertTrue(Files.readString(dir.resolve("train-diagram.svg")).contains("ensemble K=4"));

        try (LoraDropModel m = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(model))) {
            assertEquals(4, m.getEnsembleSize(), "the ensemble size is saved as a model option");
            assertEquals(3, m.getEnsembleSeed());
        }
    }

    @Test
    void evaluateReportsBothVariants() throws IOException {
        Path report = dir.resolve("eval.json");
        CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--ensemble", "2",
                "--report", report.toString(), "--diagram", dir.resolve("eval").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("=== ensemble K=2"), r.out());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals("evaluate", j.get("command").asText());
        assertMetrics(j.get("deterministic"), 30);
        assertMetrics(j.get("ensemble"), 30);
        assertEquals(2, j.get("ensemble").get("ensemble_size").asInt());
        assertTrue(j.get("train_seconds").asDouble() > 0, "training time comes from the model's provenance");
        assertTrue(j.has("provenance") && j.has("settings") && j.has("examples_per_second"));
        // Same model, same data: the deterministic metrics agree with those measured right after training.
        JsonNode t = new ObjectMapper().readTree(trainReport.toFile());
        assertEquals(t.get("deterministic").get("nll").asDouble(), j.get("deterministic").get("nll").asDouble(), 1e-6);
        assertTrue(Files.exists(dir.resolve("eval.png")) && Files.exists(dir.resolve("eval.svg")));

        CliRun det = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--ensemble", "1");
        assertEquals(0, det.code(), det.toString());
        assertFalse(det.out().contains("=== ensemble"), det.out());
    }

    @Test
    void evaluateNamesALabelTheModelNeverSaw() throws IOException {
        Path odd = dir.resolve("odd.csv");
        Files.write(odd, List.of("id,label,text", "a1,animal,the dog runs", "a2,plant,a tree near the house"), StandardCharsets.UTF_8);
        CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--data", odd.toString(), "--id-column", "id");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("odd.csv: data row 2 (id a2) has label 'plant', which the model never saw"), r.err());
        assertTrue(r.err().contains("[animal, colour, weather]"), r.err());
    }

    @Test
    void predictOneText() {
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--text", "the red sun on a mat");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("label: colour"), r.out());
        assertTrue(r.out().matches("(?s).*probability: 0\\.\\d{4}.*"), r.out());
        assertTrue(r.out().matches("(?s).*top 3: colour \\d\\.\\d{4}, \\w+ \\d\\.\\d{4}, \\w+ \\d\\.\\d{4}.*"), r.out());
        assertTrue(r.out().matches("(?s).*uncertainty: entropy \\d\\.\\d{4}, mutual information \\d\\.\\d{4}, agreement \\d\\.\\d{3} \\(K=4\\).*"), r.out());
        CliRun single = CliRun.of("predict", "--model", model.toString(), "--text", "rain", "--ensemble", "1");
        assertTrue(single.out().contains("mutual information 0.0000, agreement 1.000 (K=1)"), single.out());
        CliRun pair = CliRun.of("predict", "--model", model.toString(), "--text", "rain", "--pair", "dog");
        assertEquals(2, pair.code(), pair.toString());
        assertTrue(pair.err().contains("This model classifies single texts, so --pair cannot be used"), pair.err());
    }

    @Test
    void predictFilesAsCsvAndJsonLines() throws IOException {
        Path in = dir.resolve("in.csv");
        Files.write(in, List.of("id,text", "x1,\"the dog, very old\"", "x2,rain on the moon"), StandardCharsets.UTF_8);
        Path csv = dir.resolve("out.csv");
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", in.toString(), "--output", csv.toString());
        assertEquals(0, r.code(), r.toString());
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        assertEquals(List.of("id", "label", "probability", "entropy", "mutual_information", "agreement"), header.subList(0, 6));
        assertEquals(java.util.Set.of("p:animal", "p:colour", "p:weather"), java.util.Set.copyOf(header.subList(6, 9)));
        assertEquals(3, lines.size());
        String[] first = lines.get(1).split(",");
        assertEquals("x1", first[0]);
        assertEquals("animal", first[1]);
        double sum = 0;
        for (int i = 6; i < 9; i++) {
            sum += Double.parseDouble(first[i]);
        }
        assertEquals(1.0, sum, 1e-5, "the distribution sums to one");
        assertEquals(Double.parseDouble(first[2]), Double.parseDouble(first[header.indexOf("p:animal")]), 0.0);
        assertTrue(lines.get(2).startsWith("x2,weather,"), lines.get(2));

        Path jsonIn = dir.resolve("in.jsonl");
        Files.write(jsonIn, List.of("{\"text\": \"a red house\"}", "", "{\"text\": \"dog\", \"other\": 3}"), StandardCharsets.UTF_8);
        Path jsonl = dir.resolve("out.jsonl");
        r = CliRun.of("predict", "--model", model.toString(), "--input", jsonIn.toString(), "--output", jsonl.toString(), "--ensemble", "1");
        assertEquals(0, r.code(), r.toString());
        List<String> out = Files.readAllLines(jsonl);
        assertEquals(2, out.size());
        JsonNode first2 = new ObjectMapper().readTree(out.get(0));
        assertFalse(first2.has("id"), "no id column, no id");
        assertEquals("colour", first2.get("label").asText());
        assertEquals(3, first2.get("distribution").size());
        assertEquals(first2.get("probability").asDouble(), first2.get("distribution").get("colour").asDouble(), 1e-12);
        assertEquals(1.0, first2.get("agreement").asDouble(), 0.0);
    }

    /** JSON lines of sentence pairs whose class keyword is in the second text. */
    static Path writePairs(Path file, int perClass, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < CLASSES.size(); c++) {
                lines.add(m.writeValueAsString(java.util.Map.of("premise", FILLERS.get(rnd.nextInt(FILLERS.size())) + " "
                        + FILLERS.get(rnd.nextInt(FILLERS.size())), "hypothesis", text(c, rnd), "gold", CLASSES.get(c))));
            }
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void sentencePairsWithDevSetAndTemperatureScaling() throws IOException {
        Path pairTrain = writePairs(dir.resolve("pairs-train.jsonl"), 20, 5);
        Path pairDev = writePairs(dir.resolve("pairs-dev.jsonl"), 8, 6);
        Path pairModel = dir.resolve("pairs.tribuo");
        Path report = dir.resolve("pairs.json");
        CliRun r = CliRun.of("train", "--train", pairTrain.toString(), "--dev", pairDev.toString(), "--test", pairDev.toString(),
                "--text-column", "premise", "--pair-column", "hypothesis", "--label-column", "gold",
                "--base-model", encoderDir.resolve("model.onnx").toString(), "--tokenizer", encoderDir.resolve("vocab.txt").toString(),
                "--max-length", "24", "--rank", "4", "--alpha", "8", "--epochs", "8", "--batch-size", "8",
                "--learning-rate", "1e-2", "--warmup-fraction", "0", "--threads", "1", "--dropout-mode", "SPARSE",
                "--ensemble", "3", "--temperature-scaling", "--output", pairModel.toString(), "--report", report.toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals(24, j.get("dev_examples").asInt());
        double tDet = j.get("deterministic").get("temperature").asDouble();
        double tEns = j.get("ensemble").get("temperature").asDouble();
        assertTrue(tDet != 1.0 && tEns != 1.0, "temperatures are fitted on --dev: " + tDet + ", " + tEns);
        assertTrue(tDet != tEns, "the ensemble gets a temperature of its own");
        try (LoraDropModel m = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(pairModel))) {
            assertEquals(tEns, m.getTemperature(), 1e-12, "the model is saved with the ensemble's temperature");
            assertEquals(3, m.getEnsembleSize());
            assertEquals("text_pair", m.getPairKey().orElseThrow());
        }
        CliRun p = CliRun.of("predict", "--model", pairModel.toString(), "--text", "the old", "--pair", "a red house");
        assertEquals(0, p.code(), p.toString());
        assertTrue(p.out().contains("(K=3)"), p.out());
        CliRun noPair = CliRun.of("predict", "--model", pairModel.toString(), "--text", "the old");
        assertEquals(2, noPair.code(), noPair.toString());
        assertTrue(noPair.err().contains("This model classifies sentence pairs: give the second text with --pair"), noPair.err());
    }

    @Test
    void predictErrorsLeaveNoOutput() throws IOException {
        Path in = dir.resolve("bad.csv");
        Files.write(in, List.of("id,text", "y1,the dog", "y2,  "), StandardCharsets.UTF_8);
        Path out = dir.resolve("bad-out.csv");
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("bad.csv: data row 2 has no text in column 'text'"), r.err());
        assertFalse(Files.exists(out));

        CliRun missingColumn = CliRun.of("predict", "--model", model.toString(), "--input", in.toString(), "--output",
                out.toString(), "--text-column", "body");
        assertEquals(1, missingColumn.code());
        assertTrue(missingColumn.err().contains("column 'body' (--text-column) not found; columns: [id, text]"), missingColumn.err());

        // An output in a folder that does not exist is refused before the model is even loaded.
        Path good = dir.resolve("good.csv");
        Files.write(good, List.of("text", "the dog"), StandardCharsets.UTF_8);
        Path nowhere = dir.resolve("no-such-folder").resolve("p.csv");
        CliRun unwritable = CliRun.of("predict", "--model", model.toString(), "--input", good.toString(), "--output", nowhere.toString());
        assertEquals(2, unwritable.code(), unwritable.toString());
        assertTrue(unwritable.err().contains("The folder of the file given to --output does not exist"), unwritable.err());
        assertFalse(Files.exists(nowhere.getParent()));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left behind");
        }
    }
}
