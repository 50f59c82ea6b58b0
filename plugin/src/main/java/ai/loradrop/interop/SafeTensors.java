/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A safetensors file opened for reading: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range ({@code data_offsets}, relative to the end of the header) plus an optional
 * {@code __metadata__} string map, then the raw little-endian data.
 * <p>
 * The file is memory-mapped; {@link #floats(String)} returns F32 tensors as read-only views over the mapping
 * (no copy) and converts F16, BF16 and F64. Opening validates the whole header as Hugging Face's reference
 * implementation does: known dtypes, non-negative shapes, byte ranges that match the shapes and tile the data
 * section exactly, so a truncated or corrupt file fails at once with a message naming the file and the tensor.
 * <p>
 * Immutable and thread-safe (views are independent buffers). The mapping lives until the object is garbage
 * collected; there is nothing to close.
 */
public final class SafeTensors {
    /** Largest header Hugging Face's implementation accepts (100 MB). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Name of the metadata entry of the header. */
    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * One tensor's header entry.
     * @param name the tensor name.
     * @param dtype the element type.
     * @param shape the shape (empty for a scalar).
     * @param begin the first byte, relative to the data section.
     * @param end one past the last byte, relative to the data section.
     */
    public record TensorInfo(String name, SafeTensorDType dtype, long[] shape, long begin, long end) {
        /**
         * Copies the shape.
         * @param name the tensor name.
         * @param dtype the element type.
         * @param shape the shape (empty for a scalar).
         * @param begin the first byte, relative to the data section.
         * @param end one past the last byte, relative to the data section.
         */
        public TensorInfo {
            shape = shape.clone();
        }

        /**
         * A copy of the shape.
         * @return the shape.
         */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /**
         * Number of elements.
         * @return the product of the shape.
         */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
        }
    }

    private final Path path;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;
    private final ByteBuffer whole;

    private SafeTensors(Path path, Map<String, String> metadata, Map<String, TensorInfo> tensors, long dataStart,
                        ByteBuffer whole) {
        this.path = path;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
        this.whole = whole;
    }

    /**
     * Opens and validates a file.
     * @param file the {@code .safetensors} file.
     * @return the opened file.
     * @throws IOException when the file is missing, unreadable, truncated or not valid safetensors; the message
     *                     names the file and, where it applies, the tensor.
     */
    public static SafeTensors open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "safetensors file not found");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw corrupt(file, "file has " + size + " bytes, fewer than the 8-byte header length (truncated or not safetensors)");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, file);
            long headerLen = len.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw corrupt(file, "header length " + Long.toUnsignedString(headerLen)
                        + " is outside [2, " + MAX_HEADER_BYTES + "] (not a safetensors file?)");
            }
            if (8 + headerLen > size) {
                throw corrupt(file, "header of " + headerLen + " bytes extends past the end of the " + size
                        + "-byte file (truncated)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, file);
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Header h = parseHeader(file, hb.array(), dataLen);
            ByteBuffer whole = null;
            if (size <= Integer.MAX_VALUE) {
                whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            }
            return new SafeTensors(file, h.metadata, h.tensors, dataStart, whole);
        }
    }

    private record Header(Map<String, String> metadata, Map<String, TensorInfo> tensors) {}

    private static Header parseHeader(Path file, byte[] bytes, long dataLen) throws IOException {
        if (bytes[0] != '{') {
            throw corrupt(file, "header does not start with '{' (not a safetensors file?)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw corrupt(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw corrupt(file, "header is not a JSON object");
        }
        Map<String, String> meta = new TreeMap<>();
        List<TensorInfo> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) {
                    throw corrupt(file, METADATA_KEY + " must be an object of strings");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> me = m.next();
                    if (!me.getValue().isTextual()) {
                        throw corrupt(file, METADATA_KEY + " entry '" + me.getKey() + "' is not a string");
                    }
                    meta.put(me.getKey(), me.getValue().asText());
                }
                continue;
            }
            list.add(parseTensor(file, name, v, dataLen));
        }
        list.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : list) {
            if (t.begin() != expected) {
                throw corrupt(file, "tensor '" + t.name() + "' starts at data byte " + t.begin() + " but the previous tensor ends at "
                        + expected + (t.begin() < expected ? " (overlapping ranges)" : " (gap in the data)"));
            }
            expected = t.end();
            byName.put(t.name(), t);
        }
        if (expected != dataLen) {
            throw corrupt(file, "the tensors cover " + expected + " data bytes but the file holds " + dataLen + " after the header");
        }
        return new Header(Collections.unmodifiableMap(meta), Collections.unmodifiableMap(byName));
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode v, long dataLen) throws IOException {
        if (!v.isObject()) {
            throw corrupt(file, "tensor '" + name + "': header entry is not an object");
        }
        JsonNode dt = v.get("dtype");
        JsonNode sh = v.get("shape");
        JsonNode off = v.get("data_offsets");
        if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray()) {
            throw corrupt(file, "tensor '" + name + "': header entry needs 'dtype' (string), 'shape' and 'data_offsets' (arrays)");
        }
        SafeTensorDType dtype;
        try {
            dtype = SafeTensorDType.parse(dt.asText());
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "tensor '" + name + "': " + e.getMessage());
        }
        long[] shape = new long[sh.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw corrupt(file, "tensor '" + name + "': shape " + sh + " has an invalid dimension " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw corrupt(file, "tensor '" + name + "': shape " + sh + " overflows");
            }
        }
        if (off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw corrupt(file, "tensor '" + name + "': data_offsets " + off + " must be two integers");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw corrupt(file, "tensor '" + name + "': invalid data_offsets [" + begin + ", " + end + "]");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException e) {
            throw corrupt(file, "tensor '" + name + "': shape " + sh + " overflows");
        }
        if (end - begin != bytes) {
            throw corrupt(file, "tensor '" + name + "': " + dtype + Arrays.toString(shape) + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        if (end > dataLen) {
            throw corrupt(file, "tensor '" + name + "': data ends at byte " + end + " of the data section, which holds only "
                    + dataLen + " bytes (file truncated)");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw corrupt(file, "unexpected end of file at byte " + p);
            }
            p += n;
        }
    }

    private static IOException corrupt(Path file, String detail) {
        return new IOException("Invalid safetensors file " + file + ": " + detail);
    }

    /**
     * The file.
     * @return the path it was opened from.
     */
    public Path path() {
        return path;
    }

    /**
     * The header's {@code __metadata__} map (empty when absent).
     * @return an unmodifiable map.
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Every tensor, in data order.
     * @return an unmodifiable map from name to header entry.
     */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Whether a tensor exists.
     * @param name the tensor name.
     * @return true if present.
     */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * A tensor's header entry.
     * @param name the tensor name.
     * @return the entry.
     * @throws IllegalArgumentException when there is no such tensor.
     */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("No tensor '" + name + "' in " + path + "; it holds " + tensors.keySet());
        }
        return t;
    }

    /**
     * A tensor's raw little-endian bytes as a read-only view over the mapping.
     * @param name the tensor name.
     * @return the bytes, position 0, limit the tensor's byte length.
     * @throws IOException when the file cannot be mapped.
     */
    public ByteBuffer bytes(String name) throws IOException {
        TensorInfo t = info(name);
        long len = t.end() - t.begin();
        if (len > Integer.MAX_VALUE) {
            throw new IOException("Tensor '" + name + "' in " + path + " has " + len + " bytes, more than one buffer can hold");
        }
        ByteBuffer b;
        if (whole != null) {
            b = whole.slice((int) (dataStart + t.begin()), (int) len);
        } else {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                if (ch.size() < dataStart + t.end()) {
                    throw new IOException("Invalid safetensors file " + path + ": tensor '" + name + "' lies past the end of the file (changed since it was opened?)");
                }
                b = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), len);
            }
        }
        return b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A tensor as floats. F32 data is returned as a read-only view over the mapping (no copy); F16, BF16 and F64
     * are converted into a new buffer (F64 rounds to the nearest float).
     * @param name the tensor name.
     * @return the values in row-major order, position 0.
     * @throws IOException when the file cannot be mapped.
     * @throws IllegalArgumentException when the tensor is missing or not a floating-point type.
     */
    public FloatBuffer floats(String name) throws IOException {
        TensorInfo t = info(name);
        if (!t.dtype().readableAsFloat()) {
            throw new IllegalArgumentException("Tensor '" + name + "' in " + path + " has dtype " + t.dtype()
                    + "; only F32, F16, BF16 and F64 can be read as floats");
        }
        ByteBuffer b = bytes(name);
        long n = t.elements();
        switch (t.dtype()) {
            case F32:
                return b.asFloatBuffer();
            case F16: {
                float[] out = new float[(int) n];
                for (int i = 0; i < out.length; i++) {
                    out[i] = halfToFloat(b.getShort(2 * i));
                }
                return FloatBuffer.wrap(out);
            }
            case BF16: {
                float[] out = new float[(int) n];
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
                }
                return FloatBuffer.wrap(out);
            }
            case F64: {
                float[] out = new float[(int) n];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
                return FloatBuffer.wrap(out);
            }
            default:
                throw new IllegalStateException("unreachable: " + t.dtype());
        }
    }

    /**
     * A tensor copied into a float array (see {@link #floats(String)}).
     * @param name the tensor name.
     * @return the values in row-major order.
     * @throws IOException when the file cannot be mapped.
     */
    public float[] toFloatArray(String name) throws IOException {
        FloatBuffer b = floats(name);
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * Converts an IEEE 754 half-precision value (Java 17 has no {@code Float.float16ToFloat}).
     * @param h the 16 bits.
     * @return the float, exact (every half value is a float).
     */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            float v = mant * 0x1p-24f;  // zero or subnormal: mant · 2^-24
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    @Override
    public String toString() {
        return "SafeTensors(" + path + ", " + tensors.size() + " tensors)";
    }
}
