/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

/**
 * A Linear layer found in an encoder graph: {@code y = x W + b} as {@code MatMul} (+ {@code Add}) or {@code Gemm}.
 *
 * @param path the module path, for example {@code encoder.layer.0.attention.self.query}.
 * @param nodeName the name of the MatMul or Gemm node.
 * @param input the value name of {@code x}.
 * @param output the value name of the layer's final output ({@code y}, after the bias if any).
 * @param weight the initializer name of {@code W}.
 * @param weightTransposed true when the initializer is stored {@code [out, in]} (Gemm with transB=1).
 * @param inFeatures the input width.
 * @param outFeatures the output width.
 * @param bias the bias initializer name, or null.
 * @param quantized how the weight is quantized to int8, or null; when present {@code nodeName} is the
 *                  {@code MatMulInteger} node, {@code weight} the int8 initializer {@code W_q} ({@code [in, out]}) and
 *                  {@code input} the float activation before its {@code DynamicQuantizeLinear}.
 * @param blockQuantized how the weight is quantized to 4 bits per block, or null; when present {@code nodeName} is the
 *                       {@code MatMulNBits} node and {@code weight} its packed uint8 initializer
 *                       ({@code [out, blocks, blockSize / 2]}).
 */
public record LinearModule(String path, String nodeName, String input, String output, String weight,
                           boolean weightTransposed, int inFeatures, int outFeatures, String bias,
                           QuantizedLinear quantized, BlockQuantizedLinear blockQuantized) {
    /**
     * A float or int8 Linear layer.
     * @param path the module path.
     * @param nodeName the name of the MatMul, Gemm or MatMulInteger node.
     * @param input the value name of {@code x}.
     * @param output the value name of the layer's final output.
     * @param weight the initializer name of {@code W} (or {@code W_q}).
     * @param weightTransposed true when the initializer is stored {@code [out, in]}.
     * @param inFeatures the input width.
     * @param outFeatures the output width.
     * @param bias the bias initializer name, or null.
     * @param quantized the int8 form, or null for a float weight.
     */
    public LinearModule(String path, String nodeName, String input, String output, String weight,
                        boolean weightTransposed, int inFeatures, int outFeatures, String bias, QuantizedLinear quantized) {
        this(path, nodeName, input, output, weight, weightTransposed, inFeatures, outFeatures, bias, quantized, null);
    }

    /**
     * A float Linear layer.
     * @param path the module path.
     * @param nodeName the name of the MatMul or Gemm node.
     * @param input the value name of {@code x}.
     * @param output the value name of the layer's final output.
     * @param weight the initializer name of {@code W}.
     * @param weightTransposed true when the initializer is stored {@code [out, in]}.
     * @param inFeatures the input width.
     * @param outFeatures the output width.
     * @param bias the bias initializer name, or null.
     */
    public LinearModule(String path, String nodeName, String input, String output, String weight,
                        boolean weightTransposed, int inFeatures, int outFeatures, String bias) {
        this(path, nodeName, input, output, weight, weightTransposed, inFeatures, outFeatures, bias, null, null);
    }

    /**
     * Whether the frozen weight is stored as integers (int8 or 4-bit): it cannot be read as a float initializer.
     * @return true for a quantized layer of either kind.
     */
    public boolean isQuantized() {
        return quantized != null || blockQuantized != null;
    }

    /**
     * Whether the frozen weight is stored as int8 ({@link #quantized()} is set).
     * @return true for an int8 layer.
     */
    public boolean isInt8() {
        return quantized != null;
    }

    /**
     * Whether the frozen weight is stored with 4-bit blocks ({@link #blockQuantized()} is set).
     * @return true for a 4-bit layer.
     */
    public boolean isBlockQuantized() {
        return blockQuantized != null;
    }
}
