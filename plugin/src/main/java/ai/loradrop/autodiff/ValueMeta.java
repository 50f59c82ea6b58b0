/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

/**
 * The element type and the shape seen for a value when the graph was probed.
 * <p>
 * Probing uses batch and sequence sizes that no static dimension of a BERT graph shares with them, so a dimension of
 * size 1 here is a genuine broadcast dimension.
 *
 * @param elemType the ONNX element type.
 * @param shape the probed shape.
 */
public record ValueMeta(int elemType, long[] shape) {
    /**
     * The rank.
     * @return the number of dimensions.
     */
    public int rank() {
        return shape.length;
    }

    /**
     * Whether the value is a floating-point tensor (and so can carry a gradient).
     * @return true for float, double and half types.
     */
    public boolean isFloat() {
        return elemType == 1 || elemType == 11 || elemType == 10 || elemType == 16;
    }
}
