/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import java.util.Arrays;

/**
 * A float32 tensor held in memory: a shape and row-major values.
 *
 * @param shape the shape (empty for a scalar); dimensions are non-negative.
 * @param data the values; their count is the product of the shape.
 */
public record FloatTensor(long[] shape, float[] data) {
    /**
     * Validates and copies.
     * @param shape the shape (empty for a scalar); dimensions are non-negative.
     * @param data the values; their count is the product of the shape.
     */
    public FloatTensor {
        shape = shape.clone();
        data = data.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " holds " + n + " values, got " + data.length);
        }
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
     * A copy of the values.
     * @return the values.
     */
    @Override
    public float[] data() {
        return data.clone();
    }

    /**
     * Number of values.
     * @return the element count.
     */
    public int size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
