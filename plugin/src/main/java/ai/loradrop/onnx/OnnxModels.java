/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and writes ONNX model files.
 */
public final class OnnxModels {
    private OnnxModels() {}

    /**
     * Reads a model file. Initializers stored as external data are read (memory-mapped) into the model so that the
     * result is self-contained.
     * @param path the {@code .onnx} file.
     * @return the model.
     * @throws IOException when the file cannot be read or is not a valid ONNX model.
     */
    public static ModelProto read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("ONNX model file not found: " + path);
        }
        ModelProto m;
        try (InputStream in = Files.newInputStream(path)) {
            CodedInputStream cis = CodedInputStream.newInstance(in);
            cis.setSizeLimit(Integer.MAX_VALUE);
            m = ModelProto.parseFrom(cis);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException("Not a valid ONNX model (corrupt or truncated file?): " + path + ": " + e.getMessage(), e);
        }
        validate(m, path.toString());
        return resolveExternal(m, path.toAbsolutePath().getParent());
    }

    /**
     * Parses a model from bytes (no external data).
     * @param bytes the serialized model.
     * @param what a description for error messages.
     * @return the model.
     * @throws IOException when the bytes are not a valid model.
     */
    public static ModelProto parse(byte[] bytes, String what) throws IOException {
        ModelProto m;
        try {
            CodedInputStream cis = CodedInputStream.newInstance(bytes);
            cis.setSizeLimit(Integer.MAX_VALUE);
            m = ModelProto.parseFrom(cis);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException("Not a valid ONNX model (corrupt or truncated?): " + what + ": " + e.getMessage(), e);
        }
        validate(m, what);
        return m;
    }

    private static void validate(ModelProto m, String what) throws IOException {
        if (!m.hasGraph() || m.getGraph().getNodeCount() == 0 || m.getOpsetImportCount() == 0) {
            throw new IOException("Not a valid ONNX model (no graph, nodes or opset import): " + what);
        }
    }

    private static ModelProto resolveExternal(ModelProto m, Path dir) throws IOException {
        boolean any = m.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
        if (!any) {
            return m;
        }
        Map<String, MappedByteBuffer> files = new HashMap<>();
        ModelProto.Builder mb = m.toBuilder();
        var gb = mb.getGraphBuilder();
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto t = gb.getInitializer(i);
            if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            String location = null;
            long offset = 0;
            long length = -1;
            for (StringStringEntryProto e : t.getExternalDataList()) {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> { }
                }
            }
            if (location == null) {
                throw new IOException("Initializer '" + t.getName() + "' has external data without a location");
            }
            Path f = dir.resolve(location).normalize();
            MappedByteBuffer buf = files.get(f.toString());
            if (buf == null) {
                if (!Files.isRegularFile(f)) {
                    throw new IOException("External data file of initializer '" + t.getName() + "' not found: " + f);
                }
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r"); FileChannel ch = raf.getChannel()) {
                    buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                }
                files.put(f.toString(), buf);
            }
            if (length < 0) {
                length = buf.capacity() - offset;
            }
            if (offset + length > buf.capacity()) {
                throw new IOException("External data of initializer '" + t.getName() + "' lies beyond the end of " + f);
            }
            ByteString data = ByteString.copyFrom(buf.slice((int) offset, (int) length));
            gb.setInitializer(i, t.toBuilder().clearExternalData().setDataLocation(TensorProto.DataLocation.DEFAULT)
                    .setRawData(data).build());
        }
        return mb.build();
    }

    /**
     * Writes a model atomically (temporary file in the same folder, then a move).
     * @param model the model.
     * @param path the destination.
     * @throws IOException when the file cannot be written; no partial file is left behind.
     */
    public static void write(ModelProto model, Path path) throws IOException {
        ai.loradrop.io.AtomicFiles.write(path, "ONNX model", model::writeTo);
    }
}
