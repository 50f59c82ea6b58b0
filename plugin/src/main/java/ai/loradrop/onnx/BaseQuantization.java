/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

/**
 * Whether the frozen Linear weights of a float encoder are quantized when it is loaded.
 */
public enum BaseQuantization {
    /** Keep the encoder as it is (an int8 export stays int8). */
    NONE,
    /**
     * Quantize every float {@code MatMul} Linear to int8, symmetric per output column, with the activation quantized
     * per tensor at run time ({@code DynamicQuantizeLinear → MatMulInteger}), as ONNX Runtime's dynamic quantization
     * writes it.
     */
    INT8
}
