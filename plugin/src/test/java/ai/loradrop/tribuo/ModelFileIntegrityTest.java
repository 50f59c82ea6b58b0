/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.tribuo.DamagedModelException.Part;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tribuo.Model;
import org.tribuo.protos.core.ModelProto;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 4: flipped bytes in {@code model.tribuo} loaded and predicted other numbers. Each part of a saved
 * model (metadata, tokenizer, embedded encoder, parameters, settings) is now checked against the SHA-256 recorded
 * when it was saved, and a damaged file is refused with an error naming the part.
 */
class ModelFileIntegrityTest {
    @TempDir
    static Path dir;
    static Path saved;
    static Path savedV0;
    static byte[] file;
    static LoraDropModel model;
    static byte[] encoderBytes;

    @BeforeAll
    static void save() throws Exception {
        savedV0 = dir.resolve("v0.tribuo");
        try (InputStream in = ModelFileIntegrityTest.class.getResourceAsStream("/formats/model-v0.tribuo")) {
            Files.copy(in, savedV0);
        }
        model = (LoraDropModel) Model.deserializeFromFile(savedV0);
        saved = dir.resolve("model.tribuo");
        model.serializeToFile(saved);
        file = Files.readAllBytes(saved);
        try (InputStream in = ModelFileIntegrityTest.class.getResourceAsStream("/peft/tiny-legacy14-mean-none/model.onnx")) {
            encoderBytes = in.readAllBytes();
        }
    }

    /** Where in the saved file a byte of each part lies: the middle of a byte run only that part holds. */
    static int offsetOf(Part part, byte[] bytes) {
        byte[] needle = switch (part) {
            case METADATA -> LoraDropTrainer.class.getName().getBytes(StandardCharsets.UTF_8); // in the provenance
            case TOKENIZER -> model.getTokenizer().toJsonBytes();
            case BASE_MODEL -> encoderBytes;
            case PARAMETERS -> {
                float[] p = model.getParameters();
                ByteBuffer b = ByteBuffer.allocate(p.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(p);
                yield b.array();
            }
            case SETTINGS -> model.getBaseModelFile().path().getBytes(StandardCharsets.UTF_8);
            case STRUCTURE -> throw new IllegalArgumentException();
        };
        int at = indexOf(bytes, needle);
        assertTrue(at >= 0, part + " not found in the file");
        if (part == Part.SETTINGS) {
            // The path is also in the provenance; the settings are written after the metadata: take the last one.
            for (int next = at; next >= 0; next = indexOf(bytes, needle, next + 1)) {
                at = next;
            }
        } else if (part != Part.METADATA) { // the metadata come first: its first occurrence is in them
            assertEquals(-1, indexOf(bytes, needle, at + 1), part + " bytes are not unique in the file");
        }
        return at + needle.length / 2;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        return indexOf(hay, needle, 0);
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static DamagedModelException loadDamaged(byte[] bytes, String name) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        Exception e = assertThrows(Exception.class, () -> ((LoraDropModel) Model.deserializeFromFile(f)).close());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DamagedModelException d) {
                return d;
            }
        }
        throw new AssertionError("no DamagedModelException in the causes of " + e, e);
    }

    @Test
    void intactFileLoadsAndPredictsAsBefore() throws Exception {
        try (LoraDropModel loaded = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(saved))) {
            assertEquals(ModelProto.parseFrom(file).getVersion(), LoraDropModel.CURRENT_VERSION);
            String text = SavedFormatWriter.TEXTS.get(0);
            assertEquals(model.predict(text).getOutputScores(), loaded.predict(text).getOutputScores());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Part.class, names = "STRUCTURE", mode = EnumSource.Mode.EXCLUDE)
    void flippedByteInAPartNamesThatPart(Part part) throws Exception {
        byte[] damaged = file.clone();
        damaged[offsetOf(part, damaged)] ^= 0x01;
        DamagedModelException e = loadDamaged(damaged, "flipped-" + part + ".tribuo");
        assertEquals(List.of(part), e.parts(), e.getMessage());
        assertTrue(e.getMessage().startsWith("The LoRA-Drop model file is damaged: its " + part.description() + " does not match"),
                e.getMessage());
        assertTrue(e.getMessage().contains(part.name().toLowerCase(Locale.ROOT) + " recorded "), e.getMessage());
    }

    @Test
    void twoDamagedPartsAreBothNamed() throws Exception {
        byte[] damaged = file.clone();
        damaged[offsetOf(Part.PARAMETERS, damaged)] ^= 0x40;
        damaged[offsetOf(Part.TOKENIZER, damaged)] ^= 0x01;
        assertEquals(List.of(Part.TOKENIZER, Part.PARAMETERS), loadDamaged(damaged, "two.tribuo").parts());
    }

    @Test
    void flippedByteInTheEmbeddedEncoderOfAFormatV0FileIsFoundByItsRecordedHash() throws Exception {
        byte[] v0 = Files.readAllBytes(savedV0);
        assertEquals(0, ModelProto.parseFrom(v0).getVersion());
        v0[offsetOf(Part.BASE_MODEL, v0)] ^= 0x01;
        DamagedModelException e = loadDamaged(v0, "v0-flipped.tribuo");
        assertEquals(List.of(Part.BASE_MODEL), e.parts());
        assertTrue(e.getMessage().contains(model.getBaseModelFile().sha256()), e.getMessage());
    }

    /** The payload without its integrity record (field 29), as format 0 wrote it. */
    static com.google.protobuf.ByteString withoutIntegrity(com.google.protobuf.Any any) throws Exception {
        com.google.protobuf.CodedInputStream in = any.getValue().newCodedInput();
        com.google.protobuf.ByteString.Output out = com.google.protobuf.ByteString.newOutput();
        com.google.protobuf.CodedOutputStream co = com.google.protobuf.CodedOutputStream.newInstance(out);
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (com.google.protobuf.WireFormat.getTagFieldNumber(tag) == ModelCodec.Field.INTEGRITY.number) {
                in.skipField(tag);
            } else {
                in.skipField(tag, co);
            }
        }
        co.flush();
        return out.toByteString();
    }

    @Test
    void fileOfTheCurrentVersionWithoutItsIntegrityRecordIsRefused() throws Exception {
        ModelProto proto = ModelProto.parseFrom(file);
        com.google.protobuf.Any any = proto.getSerializedData();
        byte[] stripped = proto.toBuilder().setSerializedData(any.toBuilder().setValue(withoutIntegrity(any))).build().toByteArray();
        DamagedModelException e = loadDamaged(stripped, "stripped.tribuo");
        assertEquals(List.of(Part.STRUCTURE), e.parts());
        assertTrue(e.getMessage().contains("'integrity'"), e.getMessage());
    }

    @Test
    void upperCaseBaseModelHashRecordedByEarlierVersionsStillMatches() throws Exception {
        Path base = dir.resolve("base.onnx");
        Files.write(base, encoderBytes);
        ModelProto proto = ModelProto.parseFrom(file);
        ModelCodec.Payload p = ModelCodec.decode(proto.getSerializedData(), proto.getVersion());
        ModelSettings s = p.settings();
        String sha = p.baseFile().sha256();
        ModelCodec.Payload referenced = new ModelCodec.Payload(p.metadata(), p.tokenizerJson(), p.tokenizerSha256(), null,
                new BaseModelFile(base.toString(), sha, encoderBytes.length), p.spec(), p.params(),
                new ModelSettings(s.maxLength(), s.textKey(), s.pairKey(), s.ensembleSize(), s.ensembleSeed(),
                        s.temperature(), false, s.threads(), s.batchSize()));
        // A format-0 file (no integrity record) whose recorded base hash is upper case.
        com.google.protobuf.Any any = ModelCodec.encode(referenced);
        byte[] bytes = proto.toBuilder().setVersion(0).setSerializedData(any.toBuilder().setValue(withoutIntegrity(any)))
                .build().toByteArray();
        byte[] lower = sha.getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int next = indexOf(bytes, lower); next >= 0; next = indexOf(bytes, lower, next + 1)) {
            at = next; // the settings' copy comes after the provenance's
        }
        System.arraycopy(sha.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII), 0, bytes, at, lower.length);
        Path f = dir.resolve("upper.tribuo");
        Files.write(f, bytes);
        try (LoraDropModel loaded = (LoraDropModel) Model.deserializeFromFile(f)) {
            assertEquals(sha, loaded.getBaseModelFile().sha256());
            String text = SavedFormatWriter.TEXTS.get(1);
            assertEquals(model.predict(text).getOutputScores(), loaded.predict(text).getOutputScores());
        }
    }
}
