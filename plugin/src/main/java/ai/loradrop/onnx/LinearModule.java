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
 */
public record LinearModule(String path, String nodeName, String input, String output, String weight,
                           boolean weightTransposed, int inFeatures, int outFeatures, String bias) {
}
