/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.programs.QuantizedMerge;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.protos.core.ModelProto;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Every released serialization format keeps loading: the saved models in {@code src/test/resources/formats/} (one per
 * format version, written by {@link SavedFormatWriter} with that version's code) load with today's code and predict
 * the probabilities recorded when they were saved.
 */
class SavedFormatsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"v0", "v1"})
    void savedModelOfEveryFormatVersionLoadsAndPredictsTheRecordedProbabilities(String version) throws Exception {
        Path file = dir.resolve("model-" + version + ".tribuo");
        try (InputStream in = resource("model-" + version + ".tribuo")) {
            Files.copy(in, file);
        }
        List<String> expected;
        try (InputStream in = resource("model-" + version + ".expected.tsv")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertEquals(SavedFormatWriter.TEXTS.size(), expected.size());
        assertEquals(Integer.parseInt(version.substring(1)), ModelProto.parseFrom(Files.readAllBytes(file)).getVersion());
        try (LoraDropModel model = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(file))) {
            // Saved before the int8 prediction form was a model setting: the float LoRA branch, as then.
            assertEquals(QuantizedMerge.BRANCH, model.getQuantizedMerge(), version);
            for (String line : expected) {
                String[] cols = line.split("\t");
                Map<String, Label> scores = model.predict(cols[0]).getOutputScores();
                for (int c = 0; c < TinyFixture.CLASSES.size(); c++) {
                    assertEquals(Double.parseDouble(cols[c + 1]), scores.get(TinyFixture.CLASSES.get(c)).getScore(), 1e-6,
                            version + ": '" + cols[0] + "' class " + TinyFixture.CLASSES.get(c));
                }
            }
        }
    }

    private static InputStream resource(String name) {
        InputStream in = SavedFormatsTest.class.getResourceAsStream("/formats/" + name);
        assertNotNull(in, "missing test resource formats/" + name);
        return in;
    }
}
