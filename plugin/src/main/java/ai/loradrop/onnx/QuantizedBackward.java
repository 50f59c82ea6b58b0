/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

/**
 * How the input gradient {@code dL/dx = dL/dy · Wᵀ} of a frozen int8 Linear layer is computed, with
 * {@code W = s_w ⊙ (W_q − z_w)} and the activation quantization passed straight through.
 */
public enum QuantizedBackward {
    /** A float {@code MatMul} with the dequantized {@code Wᵀ} (an extra float copy of each quantized weight). */
    FLOAT,
    /**
     * {@code dL/dy} quantized dynamically to uint8 per tensor, then {@code MatMulInteger} with {@code Wᵀ} requantized
     * to int8 symmetrically per input feature (an extra int8 copy of each quantized weight), scaled by
     * {@code s_dy · s_T}: one fused integer kernel per layer.
     */
    INT8
}
