/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.io.AtomicFiles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The safetensors reader and writer: Hugging Face's byte layout, zero-copy F32 views, F16/BF16/F64 conversion,
 * and clear errors for truncated or corrupt files.
 */
class SafeTensorsTest {
    @TempDir
    Path tmp;

    private static Map<String, FloatTensor> sample() {
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put("b", new FloatTensor(new long[]{2, 3}, new float[]{1f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, -2.5f,
                Float.intBitsToFloat(0x7FC00123)}));
        t.put("a", new FloatTensor(new long[]{2}, new float[]{0.1f, -7f}));
        t.put("scalar", new FloatTensor(new long[]{}, new float[]{42f}));
        return t;
    }

    @Test
    void writesHuggingFaceLayout() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        SafeTensorsWriter.write(f, sample(), Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String expectedJson = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]},"
                + "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[32,36]}}";
        int pad = (8 - expectedJson.length() % 8) % 8;
        assertEquals(expectedJson.length() + pad, n, "header length includes the space padding to 8 bytes");
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals(expectedJson + " ".repeat(pad), header);
        assertEquals(8 + n + 36, bytes.length);
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 36).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.1f, data.getFloat(0));
        assertEquals(-7f, data.getFloat(4));
        assertEquals(1f, data.getFloat(8));
        assertEquals(42f, data.getFloat(32));
        assertArrayEquals(bytes, SafeTensorsWriter.toBytes(sample(), Map.of("format", "pt")));
    }

    @Test
    void roundTripIsBitExactAndF32IsAView() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        SafeTensorsWriter.write(f, sample(), Map.of("format", "pt", "note", "héllo \"quoted\"\n"));
        SafeTensors st = SafeTensors.open(f);
        assertEquals(Map.of("format", "pt", "note", "héllo \"quoted\"\n"), st.metadata());
        assertEquals(List.of("a", "b", "scalar"), List.copyOf(st.tensors().keySet()));
        for (Map.Entry<String, FloatTensor> e : sample().entrySet()) {
            SafeTensors.TensorInfo info = st.info(e.getKey());
            assertEquals(SafeTensorDType.F32, info.dtype());
            assertArrayEquals(e.getValue().shape(), info.shape());
            float[] got = st.toFloatArray(e.getKey());
            float[] want = e.getValue().data();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), e.getKey() + "[" + i + "]");
            }
        }
        FloatBuffer view = st.floats("b");
        assertTrue(view.isDirect(), "F32 tensors are views over the mapped file");
        assertTrue(view.isReadOnly());
        assertEquals(6, view.remaining());
        assertEquals(-2.5f, view.get(4));
    }

    @Test
    void emptyMetadataIsOmittedAndEmptyFileIsValid() throws IOException {
        Path f = tmp.resolve("e.safetensors");
        SafeTensorsWriter.write(f, Map.of(), Map.of());
        byte[] bytes = Files.readAllBytes(f);
        assertEquals("{}      ", new String(bytes, 8, bytes.length - 8, StandardCharsets.UTF_8));
        SafeTensors st = SafeTensors.open(f);
        assertTrue(st.tensors().isEmpty());
        assertTrue(st.metadata().isEmpty());
    }

    /** A file written by hand with the given header entries and data. */
    private Path handMade(String name, String headerJson, byte[] data) throws IOException {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    @Test
    void convertsHalfBfloatAndDouble() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(12 + 4 + 16 + 8).order(ByteOrder.LITTLE_ENDIAN);
        short[] halves = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x7C00, (short) 0x8000};
        for (short s : halves) {
            d.putShort(s);
        }
        d.putShort((short) 0x3F80).putShort((short) 0xC0A0);
        d.putDouble(0.1).putDouble(-1e300);
        d.putLong(7L);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[16,32]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[32,40]}}";
        SafeTensors st = SafeTensors.open(handMade("mixed.safetensors", header, d.array()));
        float[] h = st.toFloatArray("h");
        assertArrayEquals(new float[]{1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY, -0f}, h);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(h[5]));
        assertArrayEquals(new float[]{1f, -5f}, st.toFloatArray("bf"));
        assertArrayEquals(new float[]{0.1f, Float.NEGATIVE_INFINITY}, st.toFloatArray("d"));
        assertEquals(SafeTensorDType.I64, st.info("i").dtype());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.floats("i"));
        assertTrue(e.getMessage().contains("'i'") && e.getMessage().contains("I64"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> st.info("nope"));
        assertTrue(missing.getMessage().contains("'nope'"), missing.getMessage());
    }

    @Test
    void halfToFloatCoversEveryClass() {
        assertEquals(0.5f, SafeTensors.halfToFloat((short) 0x3800));
        assertEquals(6.1035156e-5f, SafeTensors.halfToFloat((short) 0x0400)); // smallest normal 2^-14
        assertEquals(6.097555e-5f, SafeTensors.halfToFloat((short) 0x03FF)); // largest subnormal
        assertTrue(Float.isNaN(SafeTensors.halfToFloat((short) 0x7E00)));
        assertEquals(Float.NEGATIVE_INFINITY, SafeTensors.halfToFloat((short) 0xFC00));
    }

    private IOException openFails(Path f) {
        return assertThrows(IOException.class, () -> SafeTensors.open(f));
    }

    @Test
    void truncatedFilesNameTheFileAndTensor() throws IOException {
        Path f = tmp.resolve("t.safetensors");
        SafeTensorsWriter.write(f, sample(), Map.of("format", "pt"));
        byte[] all = Files.readAllBytes(f);

        Path cutData = tmp.resolve("cut-data.safetensors");
        Files.write(cutData, Arrays.copyOf(all, all.length - 3));
        IOException e = openFails(cutData);
        assertTrue(e.getMessage().contains(cutData.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'scalar'") && e.getMessage().contains("truncated"), e.getMessage());

        Path cutHeader = tmp.resolve("cut-header.safetensors");
        Files.write(cutHeader, Arrays.copyOf(all, 40));
        e = openFails(cutHeader);
        assertTrue(e.getMessage().contains("header") && e.getMessage().contains("truncated"), e.getMessage());

        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[]{1, 2, 3});
        e = openFails(tiny);
        assertTrue(e.getMessage().contains("fewer than the 8-byte header length"), e.getMessage());

        Path extra = tmp.resolve("extra.safetensors");
        Files.write(extra, Arrays.copyOf(all, all.length + 4));
        e = openFails(extra);
        assertTrue(e.getMessage().contains("cover 36 data bytes but the file holds 40"), e.getMessage());
    }

    @Test
    void corruptHeadersGiveSpecificErrors() throws IOException {
        byte[] eight = new byte[8];
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "'a': F32[3] needs 12 bytes but data_offsets [0, 8] span 8");
        cases.put("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", "'a': unknown dtype 'Q4'");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "'a': shape [-2] has an invalid dimension");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}",
                "'b' starts at data byte 2 but the previous tensor ends at 4 (overlapping ranges)");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "'a' starts at data byte 4 but the previous tensor ends at 0 (gap");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                "Duplicate field 'a'");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "'a': header entry needs 'dtype'");
        cases.put("{\"__metadata__\":{\"n\":3},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "__metadata__ entry 'n' is not a string");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", "header is not valid JSON");
        cases.put("[1,2,3]", "header does not start with '{'");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path f = handMade("bad" + (i++) + ".safetensors", c.getKey(), eight);
            IOException e = openFails(f);
            assertTrue(e.getMessage().contains(c.getValue()), "expected '" + c.getValue() + "' in: " + e.getMessage());
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).putLong(0);
        Path f = tmp.resolve("huge.safetensors");
        Files.write(f, huge.array());
        assertTrue(openFails(f).getMessage().contains("header length 9223372036854775807 is outside"));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SafeTensors.open(tmp.resolve("missing.safetensors")));
    }

    @Test
    void failedWritesLeaveNothingBehind() throws IOException {
        Path notAFolder = tmp.resolve("file.txt");
        Files.writeString(notAFolder, "x");
        IOException e = assertThrows(IOException.class,
                () -> SafeTensorsWriter.write(notAFolder.resolve("out.safetensors"), sample(), Map.of()));
        assertTrue(e.getMessage().contains("out.safetensors"), e.getMessage());

        Path target = tmp.resolve("keep.safetensors");
        SafeTensorsWriter.write(target, sample(), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(target);
        // A failure half-way through writing keeps the previous file and removes the temporary one.
        IOException mid = assertThrows(IOException.class, () -> AtomicFiles.write(target, "test file", out -> {
            out.write(new byte[1000]);
            throw new IOException("disk full");
        }));
        assertTrue(mid.getMessage().contains("disk full") && mid.getMessage().contains("keep.safetensors"), mid.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("file.txt", "keep.safetensors"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertThrows(IllegalArgumentException.class, () -> SafeTensorsWriter.write(tmp.resolve("bad.safetensors"),
                Map.of("__metadata__", new FloatTensor(new long[]{1}, new float[]{1})), Map.of()));
        assertFalse(Files.exists(tmp.resolve("bad.safetensors")));
    }
}
