/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.cli.LoraDropCli;
import ai.loradrop.tribuo.LoraDropModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loradrop demo --quick} end to end through {@link LoraDropCli#run}: MiniLM fine-tuned on 600 WordNet rows
 * for one epoch writes a loadable model with the K = 8 ensemble, a report, and the PNG and SVG diagrams.
 */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void quickDemoWritesModelReportAndDiagrams() throws Exception {
        Path dir = tmp.resolve("demo");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoraDropCli.run(new String[]{"demo", "--quick", "--output-dir", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        System.out.println(stdout);
        assertEquals(0, code, "demo failed: " + err.toString(StandardCharsets.UTF_8));

        for (String f : List.of("model.tribuo", "report.json", "reliability.png", "reliability.svg")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f + " is missing or empty");
            assertTrue(stdout.contains(dir.resolve(f).toAbsolutePath().toString().replace(".svg", "").replace(".png", "")),
                    "the demo should say where " + f + " went");
        }
        byte[] png = Files.readAllBytes(dir.resolve("reliability.png"));
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        assertTrue(Files.readString(dir.resolve("reliability.svg")).contains("<svg"));
        // Tribuo's evaluation and the calibration tables of both variants are printed.
        assertTrue(stdout.contains("=== deterministic"), stdout);
        assertTrue(stdout.contains("=== ensemble K=8"), stdout);
        assertTrue(stdout.contains("ECE"), stdout);

        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        JsonNode det = report.get("deterministic");
        JsonNode ens = report.get("ensemble");
        assertEquals(400, report.get("test_examples").asInt());
        assertEquals(8, ens.get("ensemble_size").asInt());
        for (JsonNode v : List.of(det, ens)) {
            for (String k : List.of("accuracy", "macro_f1", "ece", "mce", "brier", "nll")) {
                assertTrue(v.get(k).isNumber(), k + " missing in " + v);
            }
            assertEquals(15, v.get("reliability").size());
        }
        double accuracy = det.get("accuracy").asDouble();
        // 26 classes (chance about 0.04); one epoch on 600 rows reaches about 0.55.
        assertTrue(accuracy > 0.25, "deterministic accuracy " + accuracy + " should be above 0.25");
        assertTrue(report.get("train_seconds").asDouble() > 0);
        assertTrue(report.get("examples_per_second").asDouble() > 0);
        assertTrue(report.get("provenance").has("trainer"), "the report should hold the model provenance");

        try (LoraDropModel model = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(dir.resolve("model.tribuo")))) {
            assertEquals(8, model.getEnsembleSize(), "the model is saved with the demo's ensemble option");
            assertEquals(26, model.getOutputIDInfo().size());
        }
    }
}
