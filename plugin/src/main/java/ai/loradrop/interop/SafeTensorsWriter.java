/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.io.AtomicFiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes float32 tensors in the safetensors format the way Hugging Face's reference implementation does: tensors
 * ordered by name (bytewise UTF-8, as Rust compares strings), {@code __metadata__} first in a compact JSON header,
 * the header padded with spaces to a multiple of 8 bytes so that the data starts aligned, then contiguous
 * little-endian data.
 */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsWriter() {}

    /**
     * Writes a file atomically (temporary file in the same folder, then a move).
     * @param file the destination; its folder must exist.
     * @param tensors the tensors by name; names must be non-empty and not {@code __metadata__}.
     * @param metadata the {@code __metadata__} entries (may be empty; then no metadata entry is written).
     * @throws IOException when the file cannot be written; no partial file is left behind.
     */
    public static void write(Path file, Map<String, FloatTensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = header(tensors, metadata);
        List<String> names = orderedNames(tensors);
        AtomicFiles.write(file, "safetensors file", out -> writeBody(out, header, names, tensors));
    }

    /**
     * Serializes to bytes.
     * @param tensors the tensors by name.
     * @param metadata the {@code __metadata__} entries.
     * @return the file content.
     */
    public static byte[] toBytes(Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try {
            writeBody(bos, header, orderedNames(tensors), tensors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private static void writeBody(OutputStream out, byte[] header, List<String> names, Map<String, FloatTensor> tensors)
            throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        out.write(len.array());
        out.write(header);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (String n : names) {
            for (float f : tensors.get(n).data()) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(f);
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    private static List<String> orderedNames(Map<String, FloatTensor> tensors) {
        List<String> names = new ArrayList<>(tensors.keySet());
        names.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        return names;
    }

    private static byte[] header(Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("Metadata keys and values must not be null: " + e);
                }
            }
            h.put(SafeTensors.METADATA_KEY, new TreeMap<>(metadata));
        }
        long offset = 0;
        for (String n : orderedNames(tensors)) {
            if (n == null || n.isEmpty() || n.equals(SafeTensors.METADATA_KEY)) {
                throw new IllegalArgumentException("Invalid tensor name '" + n + "'");
            }
            FloatTensor t = tensors.get(n);
            long end = offset + 4L * t.size();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", SafeTensorDType.F32.name());
            e.put("shape", t.shape());
            e.put("data_offsets", new long[]{offset, end});
            h.put(n, e);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(h);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize the safetensors header", e);
        }
        int pad = (8 - json.length % 8) % 8;
        byte[] padded = Arrays.copyOf(json, json.length + pad);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        if (padded.length > SafeTensors.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("Safetensors header of " + padded.length + " bytes exceeds the format's limit");
        }
        return padded;
    }
}
