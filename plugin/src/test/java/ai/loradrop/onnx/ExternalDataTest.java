/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models whose initializers live in an external data file (as large exports store them) load with the same weights
 * as the embedded form; a missing or short data file is a clear error.
 */
class ExternalDataTest {
    @TempDir
    Path tmp;

    @Test
    void externalInitializersLoadLikeEmbeddedOnes() throws IOException {
        ModelProto embedded;
        try (InputStream in = getClass().getResourceAsStream("/peft/tiny-legacy14-mean-none/model.onnx")) {
            embedded = OnnxModels.parse(in.readAllBytes(), "tiny");
        }
        // Move every float initializer of 1 KB or more into weights.bin, at unaligned offsets.
        ModelProto.Builder mb = embedded.toBuilder();
        var gb = mb.getGraphBuilder();
        Path data = tmp.resolve("weights.bin");
        int moved = 0;
        try (OutputStream out = Files.newOutputStream(data)) {
            long offset = 0;
            for (int i = 0; i < gb.getInitializerCount(); i++) {
                TensorProto t = gb.getInitializer(i);
                if (t.getDataType() != Tensors.FLOAT || t.getRawData().size() < 1024) {
                    continue;
                }
                out.write(new byte[3]);
                offset += 3;
                byte[] raw = t.getRawData().toByteArray();
                out.write(raw);
                gb.setInitializer(i, t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(String.valueOf(offset)))
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(String.valueOf(raw.length)))
                        .build());
                offset += raw.length;
                moved++;
            }
        }
        assertTrue(moved >= 10, "the test needs external initializers, moved " + moved);
        Path model = tmp.resolve("model.onnx");
        Files.write(model, mb.build().toByteArray());
        EncoderModel fromExternal = EncoderModel.load(model);
        assertEquals(embedded.getGraph().getInitializerCount(), fromExternal.model().getGraph().getInitializerCount());
        for (int i = 0; i < embedded.getGraph().getInitializerCount(); i++) {
            TensorProto a = embedded.getGraph().getInitializer(i);
            TensorProto b = fromExternal.model().getGraph().getInitializer(i);
            assertEquals(a.getName(), b.getName());
            if (a.getDataType() == Tensors.FLOAT) {
                assertArrayEquals(Tensors.toFloats(a), Tensors.toFloats(b), 0f, a.getName());
            }
        }
        assertEquals(EncoderModel.of(embedded).linears(), fromExternal.linears());

        Files.write(data, new byte[100]);
        IOException e = assertThrows(IOException.class, () -> EncoderModel.load(model));
        assertTrue(e.getMessage().contains("beyond the end"), e.getMessage());
        Files.delete(data);
        IOException missing = assertThrows(IOException.class, () -> EncoderModel.load(model));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    }
}
