/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

/**
 * The initializers of one Linear layer stored with 4-bit blockwise weights as one {@code com.microsoft:MatMulNBits}
 * node (see {@link BlockQuantizedLinears}): {@code y = x W} with {@code W[k][n] = s[n][k / blockSize] · (q[n][k] − 8)}.
 *
 * @param scales the float initializer holding the block scales, {@code [out · blocks]}.
 * @param bits bits per weight (4).
 * @param blockSize input features per scale, along each output column.
 */
public record BlockQuantizedLinear(String scales, int bits, int blockSize) {
}
