/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.text.Encoding;
import ai.loradrop.text.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RoBERTa path (byte-level BPE) and the XLM-R path (Unigram) through {@code train}, {@code evaluate} and
 * {@code predict}, on the small RoBERTa-style exports of the plugin's tests (position ids from the padding index, no
 * token types); long documents with {@code --long-text WINDOWS}; and {@code tokenize}.
 */
class RobertaStyleCliTest {
    static final Path EXPORTS = Path.of("..", "plugin", "src", "test", "resources", "roberta-style");
    static final List<String> CLASSES = List.of("licence", "warranty", "source");
    static final List<String> KEYWORDS = List.of("license", "warranty", "source");
    static final List<String> FILLERS = List.of("the", "of", "and", "to", "or", "any", "this", "that", "you", "for",
            "in", "by", "such", "with", "may", "not", "be", "as", "all", "other");

    @TempDir
    Path dir;

    Path encoder(String which) throws IOException {
        Path d = Files.createDirectories(dir.resolve(which));
        for (String f : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(EXPORTS.resolve(which).resolve(f), d.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        return d;
    }

    /** An id, a label and a text with the class keyword among fillers, from fraction {@code from} of the text on. */
    Path csv(String name, int perClass, int fillers, double from, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>(List.of("id,label,text"));
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < CLASSES.size(); c++) {
                List<String> words = new ArrayList<>();
                for (int k = 0; k < fillers; k++) {
                    words.add(FILLERS.get(rnd.nextInt(FILLERS.size())));
                }
                int lo = (int) (from * fillers);
                words.add(lo + rnd.nextInt(fillers - lo + 1), KEYWORDS.get(c));
                lines.add("d" + lines.size() + "," + CLASSES.get(c) + "," + String.join(" ", words));
            }
        }
        Path p = dir.resolve(name);
        Files.write(p, lines, StandardCharsets.UTF_8);
        return p;
    }

    static double accuracy(Path report) throws IOException {
        return new ObjectMapper().readTree(report.toFile()).get("deterministic").get("accuracy").asDouble();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bpe", "unigram"})
    void trainsEvaluatesAndPredicts(String which) throws IOException {
        Path enc = encoder(which);
        Path train = csv("train.csv", 20, 5, 0, 1);
        Path test = csv("test.csv", 10, 5, 0, 2);
        Path model = dir.resolve(which + ".tribuo");
        Path report = dir.resolve(which + ".json");
        CliRun t = CliRun.of("train", "--train", train.toString(), "--test", test.toString(), "--id-column", "id",
                "--base-model", enc.toString(), "--max-length", "24", "--rank", "4", "--alpha", "8", "--epochs", "10",
                "--batch-size", "8", "--learning-rate", "1e-2", "--warmup-fraction", "0", "--threads", "1",
                "--output", model.toString(), "--report", report.toString());
        assertEquals(0, t.code(), t.toString());
        assertTrue(accuracy(report) >= 0.9, which + ": " + Files.readString(report));
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--text", "you may not the warranty of this");
        assertEquals(0, p.code(), p.toString());
        assertTrue(p.out().contains("warranty"), p.out());
    }

    @Test
    void windowsThroughTheCommandLine() throws IOException {
        Path enc = encoder("bpe");
        Path train = csv("long-train.csv", 24, 60, 0.6, 3);
        Path test = csv("long-test.csv", 8, 60, 0.6, 4);
        Path model = dir.resolve("windows.tribuo");
        Path report = dir.resolve("windows.json");
        CliRun t = CliRun.of("train", "--train", train.toString(), "--test", test.toString(), "--id-column", "id",
                "--base-model", enc.toString(), "--max-length", "24", "--long-text", "WINDOWS", "--window-stride", "11",
                "--rank", "4", "--alpha", "8", "--epochs", "20", "--batch-size", "8", "--learning-rate", "1e-2",
                "--warmup-fraction", "0", "--threads", "1", "--output", model.toString(), "--report", report.toString());
        assertEquals(0, t.code(), t.toString());
        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertEquals(24, r.get("test_examples").asInt(), "evaluated per document, not per window");
        double windows = accuracy(report);
        assertTrue(windows >= 0.8, r.toString());
        Path truncReport = dir.resolve("truncate.json");
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--id-column", "id",
                "--long-text", "TRUNCATE", "--report", truncReport.toString());
        assertEquals(0, e.code(), e.toString());
        assertTrue(accuracy(truncReport) < windows - 0.3, "the first window alone misses the keyword: "
                + accuracy(truncReport) + " vs " + windows);
        CliRun bad = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--id-column", "id",
                "--window-stride", "100");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("windowStride must be between 1 and 22"), bad.toString());
    }

    @Test
    void tokenizeWritesWhatTheEncoderSees() throws IOException {
        Path enc = encoder("bpe");
        Path tok = enc.resolve("tokenizer.json");
        Path in = dir.resolve("in.jsonl");
        Files.write(in, List.of("{\"text\": \"Licensed under the Apache License\"}",
                "{\"text\": \"the source code\", \"text_pair\": \"any warranty of this work\"}"), StandardCharsets.UTF_8);
        Path out = dir.resolve("out.jsonl");
        CliRun r = CliRun.of("tokenize", "--tokenizer", tok.toString(), "--input", in.toString(), "--output", out.toString(),
                "--max-length", "8");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        Tokenizer t = Tokenizer.fromFile(tok);
        ObjectMapper m = new ObjectMapper();
        JsonNode first = m.readTree(lines.get(0));
        Encoding e = t.encode("Licensed under the Apache License", 8);
        assertArrayEquals(e.inputIds(), m.convertValue(first.get("ids"), int[].class));
        assertEquals("<s>", first.get("tokens").get(0).asText());
        assertEquals("</s>", first.get("tokens").get(7).asText());
        assertTrue(first.get("truncated").asBoolean());
        JsonNode second = m.readTree(lines.get(1));
        assertArrayEquals(t.encodePair("the source code", "any warranty of this work", 8).inputIds(),
                m.convertValue(second.get("ids"), int[].class));
        assertEquals(8, second.get("type_ids").size());
        // plain text: one text a line, no truncation
        Path txt = dir.resolve("in.txt");
        Files.writeString(txt, "one line\nsecond line\n");
        Path out2 = dir.resolve("out2.jsonl");
        r = CliRun.of("tokenize", "--tokenizer", tok.toString(), "--input", txt.toString(), "--output", out2.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(2, Files.readAllLines(out2).size());
        // the input is never the output
        r = CliRun.of("tokenize", "--tokenizer", tok.toString(), "--input", txt.toString(), "--output", txt.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals("one line\nsecond line\n", Files.readString(txt));
    }
}
