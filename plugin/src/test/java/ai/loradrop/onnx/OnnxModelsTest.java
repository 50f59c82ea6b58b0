/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelsTest {
    @TempDir
    Path tmp;

    private Path copyTiny() throws IOException {
        Path p = tmp.resolve("model.onnx");
        try (InputStream in = getClass().getResourceAsStream("/peft/tiny-legacy14-mean-none/model.onnx")) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void truncatedModelIsAClearError() throws IOException {
        Path p = copyTiny();
        byte[] all = Files.readAllBytes(p);
        Path cut = tmp.resolve("cut.onnx");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 3));
        IOException e = assertThrows(IOException.class, () -> EncoderModel.load(cut));
        assertTrue(e.getMessage().contains("cut.onnx") && e.getMessage().contains("corrupt or truncated"), e.getMessage());
    }

    @Test
    void garbageAndMissingFilesAreClearErrors() throws IOException {
        Path junk = tmp.resolve("junk.onnx");
        Files.writeString(junk, "this is not a model at all");
        IOException e = assertThrows(IOException.class, () -> EncoderModel.load(junk));
        assertTrue(e.getMessage().contains("junk.onnx"), e.getMessage());
        IOException m = assertThrows(IOException.class, () -> EncoderModel.load(tmp.resolve("nope.onnx")));
        assertTrue(m.getMessage().contains("not found"), m.getMessage());
    }

    @Test
    void writeIsAtomicAndRoundTrips() throws IOException {
        Path p = copyTiny();
        EncoderModel enc = EncoderModel.load(p);
        Path out = tmp.resolve("copy.onnx");
        OnnxModels.write(enc.model(), out);
        assertEquals(enc.model(), OnnxModels.read(out));
        Path bad = tmp.resolve("missing-folder").resolve("x.onnx");
        assertThrows(IOException.class, () -> OnnxModels.write(enc.model(), bad));
        assertTrue(Files.notExists(bad));
    }

    @Test
    void encoderImportFindsTheLinears() throws IOException {
        EncoderModel enc = EncoderModel.load(copyTiny());
        assertEquals(12, enc.linears().size(), "2 layers x (q, k, v, attention out, intermediate, output)");
        assertEquals(32, enc.hiddenSize());
        assertEquals(120, enc.vocabSize());
        assertTrue(enc.linears().get(0).path().endsWith("encoder.layer.0.attention.self.query"), enc.linears().get(0).path());
    }
}
