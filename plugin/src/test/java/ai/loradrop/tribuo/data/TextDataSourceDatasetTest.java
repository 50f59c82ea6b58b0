/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.protos.core.DatasetProto;
import org.tribuo.provenance.DataSourceProvenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class TextDataSourceDatasetTest {

    /** The WordNet supersense training split shipped with the examples module (working directory: plugin/). */
    static final Path WORDNET_TRAIN = Path.of("../examples/data/wordnet-supersenses/train.csv");

    @TempDir
    Path dir;

    private static String sha256Hex(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void provenanceRecordsHashSizeTimeAndConfiguration() throws Exception {
        byte[] v1 = "text,label\nfirst,a\n".getBytes(StandardCharsets.UTF_8);
        Path csv = dir.resolve("data.csv");
        Files.write(csv, v1);
        Files.setLastModifiedTime(csv, FileTime.from(Instant.parse("2024-03-01T12:00:00.123Z")));

        TextDataSourceProvenance p1 = TextDataSource.builder(csv).idColumn(null).build().getProvenance();
        assertEquals(sha256Hex(v1), p1.getSha256());
        assertEquals(v1.length, p1.getFileSize());
        assertEquals(Instant.parse("2024-03-01T12:00:00.123Z"), p1.getFileModifiedTime().toInstant());
        assertEquals(TextDataSource.class.getName(), p1.getClassName());
        HashProvenance hash = (HashProvenance) p1.getInstanceValues().get(DataSourceProvenance.RESOURCE_HASH);
        assertEquals(sha256Hex(v1), hash.getValue());
        assertEquals(new StringProvenance("textColumn", "text"), p1.getConfiguredParameters().get("textColumn"));
        assertEquals(new StringProvenance("labelColumn", "label"), p1.getConfiguredParameters().get("labelColumn"));

        // One changed byte changes the recorded hash (and the size when it grows).
        byte[] v2 = "text,label\nfirst,b\n".getBytes(StandardCharsets.UTF_8);
        Files.write(csv, v2);
        TextDataSourceProvenance p2 = new TextDataSource(csv).getProvenance();
        assertEquals(sha256Hex(v2), p2.getSha256());
        assertNotEquals(p1.getSha256(), p2.getSha256());
        assertNotEquals(p1, p2);
    }

    @Test
    void wordnetTrainingSplitLoads() throws Exception {
        TextDataSource source = TextDataSource.builder(WORDNET_TRAIN).idColumn("id").build();
        assertEquals(3892, source.size());
        Set<String> labels = new HashSet<>();
        for (Example<Label> ex : source) {
            labels.add(ex.getOutput().getLabel());
        }
        assertEquals(26, labels.size());
        assertEquals(sha256Hex(Files.readAllBytes(WORDNET_TRAIN)), source.getProvenance().getSha256());

        MutableDataset<Label> dataset = new MutableDataset<>(source);
        assertEquals(3892, dataset.size());
        assertEquals(26, dataset.getOutputInfo().size());
        assertEquals(1, dataset.getFeatureMap().size());
        assertEquals(3892, dataset.getFeatureMap().get(TextExamples.PLACEHOLDER_FEATURE).getCount());
        Example<Label> first = dataset.getExample(0);
        assertEquals("a unit of measurement for work", TextExamples.requireText(first, "text", 0));
        assertEquals("n13609507", first.getMetadataValue("id").orElseThrow());
        assertEquals("noun.quantity", first.getOutput().getLabel());
        assertInstanceOf(TextDataSourceProvenance.class, dataset.getProvenance().getSourceProvenance());
    }

    @Test
    void textMetadataAndProvenanceSurviveProtobufSerialization() throws Exception {
        String tricky = "line one\nline \"two\", with commas\t\u00e9\u00e8 \u65e5\u672c \uD83D\uDE00";
        Path jsonl = dir.resolve("tricky.jsonl");
        Files.writeString(jsonl, "{\"id\": \"t1\", \"text\": \"" + tricky.replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t")
                + "\", \"text_pair\": \"second\", \"label\": \"x\", \"w\": 0.5}\n"
                + "{\"id\": \"t2\", \"text\": \"plain\", \"text_pair\": \"other\", \"label\": \"y\", \"w\": 2}\n", StandardCharsets.UTF_8);
        TextDataSource source = TextDataSource.builder(jsonl).pairColumn("text_pair").weightColumn("w").idColumn("id").build();
        MutableDataset<Label> dataset = new MutableDataset<>(source);

        DatasetProto proto = dataset.serialize();
        Dataset<?> restored = Dataset.deserialize(DatasetProto.parseFrom(proto.toByteArray()));

        assertEquals(2, restored.size());
        Example<?> ex = restored.getExample(0);
        assertEquals(tricky, TextExamples.requireText(ex, "text", 0));
        assertEquals("second", TextExamples.requireText(ex, "text_pair", 0));
        assertEquals("t1", ex.getMetadataValue("id").orElseThrow());
        assertEquals(0.5f, ex.getWeight());
        assertEquals("x", ((Label) ex.getOutput()).getLabel());
        assertEquals("plain", TextExamples.requireText(restored.getExample(1), "text", 1));
        assertEquals(2f, restored.getExample(1).getWeight());

        Provenance sourceProvenance = restored.getProvenance().getSourceProvenance();
        TextDataSourceProvenance restoredProvenance = assertInstanceOf(TextDataSourceProvenance.class, sourceProvenance);
        assertEquals(source.getProvenance().getSha256(), restoredProvenance.getSha256());
        assertEquals(source.getProvenance().getFileSize(), restoredProvenance.getFileSize());
        assertEquals(source.getProvenance(), restoredProvenance);
        assertEquals(dataset.getProvenance(), restored.getProvenance());
    }
}
