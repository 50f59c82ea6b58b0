/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Conversions between ONNX {@link TensorProto}s and Java arrays.
 */
public final class Tensors {
    private Tensors() {}

    /** ONNX element type FLOAT. */
    public static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    /** ONNX element type INT64. */
    public static final int INT64 = TensorProto.DataType.INT64_VALUE;
    /** ONNX element type INT32. */
    public static final int INT32 = TensorProto.DataType.INT32_VALUE;
    /** ONNX element type BOOL. */
    public static final int BOOL = TensorProto.DataType.BOOL_VALUE;
    /** ONNX element type DOUBLE. */
    public static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    /**
     * A float tensor stored as little-endian raw data.
     * @param name the tensor name.
     * @param dims the shape.
     * @param data the values, row-major.
     * @return the tensor.
     */
    public static TensorProto floats(String name, long[] dims, float[] data) {
        checkSize(name, dims, data.length);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    /**
     * An int64 tensor stored as little-endian raw data.
     * @param name the tensor name.
     * @param dims the shape.
     * @param data the values, row-major.
     * @return the tensor.
     */
    public static TensorProto longs(String name, long[] dims, long[] data) {
        checkSize(name, dims, data.length);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(data);
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(INT64).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    private static void checkSize(String name, long[] dims, int length) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("Tensor '" + name + "': shape holds " + n + " elements but " + length + " were given");
        }
    }

    /**
     * The shape of a tensor.
     * @param t the tensor.
     * @return its dimensions.
     */
    public static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Number of elements of a shape.
     * @param dims the shape.
     * @return the product of the dimensions.
     */
    public static long size(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /**
     * Reads a float tensor (raw data or float_data; external data must already be resolved).
     * @param t the tensor.
     * @return the values, row-major.
     */
    public static float[] toFloats(TensorProto t) {
        if (t.getDataType() != FLOAT) {
            throw new IllegalArgumentException("Tensor '" + t.getName() + "' has element type " + t.getDataType() + ", expected FLOAT");
        }
        int n = (int) size(dims(t));
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalStateException("Tensor '" + t.getName() + "' holds external data that was not loaded");
        }
        float[] out = new float[n];
        if (!t.getRawData().isEmpty()) {
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        } else {
            List<Float> l = t.getFloatDataList();
            for (int i = 0; i < n; i++) {
                out[i] = l.get(i);
            }
        }
        return out;
    }

    /**
     * Reads an integer tensor (int64 or int32) as longs.
     * @param t the tensor.
     * @return the values, row-major.
     */
    public static long[] toLongs(TensorProto t) {
        int n = (int) size(dims(t));
        long[] out = new long[n];
        if (t.getDataType() == INT64) {
            if (!t.getRawData().isEmpty()) {
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
            } else {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getInt64Data(i);
                }
            }
        } else if (t.getDataType() == INT32) {
            if (!t.getRawData().isEmpty()) {
                java.nio.IntBuffer ib = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = ib.get(i);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getInt32Data(i);
                }
            }
        } else {
            throw new IllegalArgumentException("Tensor '" + t.getName() + "' has element type " + t.getDataType() + ", expected an integer type");
        }
        return out;
    }
}
