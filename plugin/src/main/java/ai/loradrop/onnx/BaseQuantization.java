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
    INT8,
    /**
     * Quantize every float {@code MatMul} Linear to 4 bits, symmetric per block of
     * {@value BlockQuantizedLinears#BLOCK_SIZE} input features along each output column ({@code scale = max|w| / 7},
     * values −8..7 stored unsigned with zero point 8), as ONNX Runtime's {@code com.microsoft:MatMulNBits}; activations
     * stay float. A QLoRA-style frozen base for memory: about 1/6.4 of the float weight bytes. The gradient always
     * passes through a float {@code MatMul} with the weight dequantized on the fly ({@code GatherBlockQuantized}),
     * whatever {@link QuantizedBackward} says, and prediction keeps the LoRA update as a float branch (re-rounding the
     * merged weight to 4 bits would lose most of the adapter).
     */
    INT4;

    /**
     * The description of the trainers' {@code quantizeBase} setting (a constant, so that {@code @Config} can use it).
     */
    public static final String DESCRIPTION = "Quantize the frozen Linear weights of a float base encoder when it is"
            + " loaded: NONE; INT8 (int8 per output column, activations quantized per tensor at run time, as ONNX"
            + " Runtime's dynamic quantization; integer kernels for training and prediction); or INT4 (4-bit blocks of 32"
            + " input features per output column, symmetric, activations float, ONNX Runtime's MatMulNBits; about 1/6 of"
            + " the float weight memory, gradient through the dequantized weight, LoRA kept as a float branch). A"
            + " quantized export is used as it is either way.";
}
