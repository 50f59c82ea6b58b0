/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

/**
 * The nodes and initializers of one Linear layer stored as ONNX Runtime's dynamic quantization writes it:
 * {@code (x_q, s_x, z_x) = DynamicQuantizeLinear(x)}, {@code acc = MatMulInteger(x_q, W_q, z_x, z_w)},
 * {@code y = Cast(acc) · (s_x · s_w)} (then the bias {@code Add}, if any). The layer computes {@code y ≈ x W} with
 * {@code W = s_w ⊙ (W_q − z_w)} (one scale and zero point per output column).
 *
 * @param quantizeNode the name of the {@code DynamicQuantizeLinear} node of the activation (may be shared by layers).
 * @param matMulNode the name of the {@code MatMulInteger} node.
 * @param weightZeroPoint the initializer holding {@code z_w} (a scalar or one per output column).
 * @param weightScale the initializer holding {@code s_w} (a scalar or one per output column).
 * @param scaleMulNode the name of the {@code Mul} node computing {@code s_x · s_w}.
 * @param outputMulNode the name of the {@code Mul} node computing {@code y} (before the bias).
 * @param perChannel true when the weight has one scale per output column, false for one scale per tensor.
 */
public record QuantizedLinear(String quantizeNode, String matMulNode, String weightZeroPoint, String weightScale,
                              String scaleMulNode, String outputMulNode, boolean perChannel) {
}
