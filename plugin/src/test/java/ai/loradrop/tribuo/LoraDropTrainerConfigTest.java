/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.lora.DropoutMode;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.EnumProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraDropTrainerConfigTest {
    @TempDir
    Path dir;
    TinyFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new TinyFixture(dir);
    }

    private void assertRejected(String field, UnaryOperator<LoraDropTrainer.Builder> change) {
        PropertyException e = assertThrows(PropertyException.class, () -> change.apply(f.trainer()).build(), field);
        assertEquals(field, e.getProperty(), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void invalidSettingsNameTheirField() {
        assertRejected("rank", b -> b.rank(0));
        assertRejected("alpha", b -> b.alpha(0));
        assertRejected("alpha", b -> b.alpha(Double.POSITIVE_INFINITY));
        assertRejected("dropout", b -> b.dropout(DropoutMode.SPARSE, 1.0));
        assertRejected("dropout", b -> b.dropout(DropoutMode.INPUT, -0.1));
        assertRejected("dropoutMode", b -> b.dropout(null, 0.1));
        assertRejected("headDropout", b -> b.headDropout(1.0));
        assertRejected("dropoutSamples", b -> b.dropoutSamples(0));
        assertRejected("maxLength", b -> b.maxLength(1));
        assertRejected("epochs", b -> b.epochs(0));
        assertRejected("batchSize", b -> b.batchSize(0));
        assertRejected("learningRate", b -> b.learningRate(0));
        assertRejected("warmupFraction", b -> b.warmupFraction(1.0));
        assertRejected("weightDecay", b -> b.weightDecay(-1));
        assertRejected("maxGradNorm", b -> b.maxGradNorm(-1));
        assertRejected("threads", b -> b.threads(-1));
        assertRejected("patience", b -> b.patience(-1));
        assertRejected("validationFraction", b -> b.validationFraction(1.0));
        assertRejected("ensembleSize", b -> b.ensemble(0, 1));
        assertRejected("ensembleSize", b -> b.dropout(DropoutMode.NONE, 0.0).ensemble(4, 1));
        assertRejected("targetModules", b -> b.targetModules(List.of()));
        assertRejected("targetRegex", b -> b.targetRegex("(unclosed"));
        assertRejected("textKey", b -> b.textKey(" "));
        assertRejected("pairKey", b -> b.pairKey("text"));
        assertRejected("checkpointEvery", b -> b.checkpoints(dir.resolve("ck"), 0, false));
        assertRejected("resume", b -> b.checkpoints(null, 10, true));
        assertRejected("logIntervalSeconds", b -> b.logIntervalSeconds(0));
    }

    @Test
    void missingFilesAreNamed() {
        PropertyException e = assertThrows(PropertyException.class,
                () -> LoraDropTrainer.builder(dir.resolve("nope.onnx"), f.vocab).build());
        assertEquals("baseModelPath", e.getProperty());
        assertTrue(e.getMessage().contains("nope.onnx"), e.getMessage());
        e = assertThrows(PropertyException.class, () -> new LoraDropTrainer(f.model, dir.resolve("missing-vocab.txt")));
        assertEquals("tokenizerPath", e.getProperty());
        assertTrue(e.getMessage().contains("missing-vocab.txt"), e.getMessage());
    }

    @Test
    void defaultsFollowTheReferenceRecipe() {
        LoraDropTrainer t = new LoraDropTrainer(f.model, f.vocab);
        Map<String, Provenance> p = t.getProvenance().getConfiguredParameters();
        assertEquals(new IntProvenance("rank", 8), p.get("rank"));
        assertEquals(new DoubleProvenance("alpha", 16), p.get("alpha"));
        assertEquals(new IntProvenance("maxLength", 128), p.get("maxLength"));
        assertEquals(new IntProvenance("epochs", 6), p.get("epochs"));
        assertEquals(new IntProvenance("batchSize", 32), p.get("batchSize"));
        assertEquals(new DoubleProvenance("learningRate", 2e-3), p.get("learningRate"));
        assertEquals(new DoubleProvenance("dropout", 0.3), p.get("dropout"));
        assertEquals("SPARSE", ((EnumProvenance<?>) p.get("dropoutMode")).getValue().name());
        assertEquals(new DoubleProvenance("warmupFraction", 0.06), p.get("warmupFraction"));
        assertEquals(new DoubleProvenance("weightDecay", 0.01), p.get("weightDecay"));
        assertEquals(0, t.getInvocationCount());
    }

    @Test
    void olcutXmlConfiguresTheTrainerAndValidates() throws Exception {
        Path ok = writeConfig("ok.xml", "4");
        ConfigurationManager cm = new ConfigurationManager(ok.toString());
        LoraDropTrainer t = (LoraDropTrainer) cm.lookup("trainer");
        Map<String, Provenance> p = t.getProvenance().getConfiguredParameters();
        assertEquals(new IntProvenance("rank", 4), p.get("rank"));
        assertEquals("SPARSE", ((EnumProvenance<?>) p.get("dropoutMode")).getValue().name());

        Path bad = writeConfig("bad.xml", "0");
        ConfigurationManager cm2 = new ConfigurationManager(bad.toString());
        PropertyException e = assertThrows(PropertyException.class, () -> cm2.lookup("trainer"));
        assertEquals("rank", e.getProperty());
    }

    private Path writeConfig(String name, String rank) throws Exception {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <config>
                  <component name="trainer" type="ai.loradrop.tribuo.LoraDropTrainer">
                    <property name="baseModelPath" value="%s"/>
                    <property name="tokenizerPath" value="%s"/>
                    <property name="rank" value="%s"/>
                    <property name="dropoutMode" value="SPARSE"/>
                    <propertylist name="targetModules">
                      <item>query</item>
                      <item>key</item>
                    </propertylist>
                  </component>
                </config>
                """.formatted(f.model, f.vocab, rank);
        Path p = dir.resolve(name);
        Files.writeString(p, xml, StandardCharsets.UTF_8);
        return p;
    }
}
