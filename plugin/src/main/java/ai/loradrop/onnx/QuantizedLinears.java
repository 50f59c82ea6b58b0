/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds, reads and writes int8 Linear layers in the form ONNX Runtime's dynamic quantization gives them
 * ({@code DynamicQuantizeLinear → MatMulInteger → Cast → Mul}, see {@link QuantizedLinear}).
 */
public final class QuantizedLinears {
    /** ONNX element type int8. */
    public static final int INT8 = TensorProto.DataType.INT8_VALUE;
    /** ONNX element type uint8. */
    public static final int UINT8 = TensorProto.DataType.UINT8_VALUE;
    /**
     * Largest magnitude of a symmetric int8 weight this class writes: 7 bits, as ONNX Runtime's quantizer writes with
     * {@code reduce_range}. Its u8 × s8 kernels on CPUs without VNNI (AVX2, AVX-512F) add pairs of products into
     * saturating 16-bit lanes ({@code vpmaddubsw}): 255 · 127 · 2 overflows them, 255 · 63 · 2 does not. With full-range
     * weights an int8 gradient on such a CPU was 20% off (QuantizedLinearGradientTest); with 7 bits the results are
     * the same on every CPU.
     */
    public static final int QMAX = 63;

    private QuantizedLinears() {}

    /**
     * One quantized Linear found in a graph.
     * @param q its nodes and initializers.
     * @param input the float activation {@code x} (input of the {@code DynamicQuantizeLinear}).
     * @param output the value computed by the output {@code Mul} ({@code x W}, before any bias).
     * @param weight the int8 initializer {@code W_q}, {@code [in, out]}.
     * @param inFeatures the input width.
     * @param outFeatures the output width.
     * @param matMul the {@code MatMulInteger} node (its name and metadata give the module path).
     */
    public record Match(QuantizedLinear q, String input, String output, String weight, int inFeatures, int outFeatures,
                        NodeProto matMul) {}

    /**
     * Every quantized Linear of a node list, in graph order.
     * @param nodes the nodes.
     * @param inits the initializers by name.
     * @return the matches.
     */
    public static List<Match> find(List<NodeProto> nodes, Map<String, TensorProto> inits) {
        Map<String, NodeProto> producers = new HashMap<>();
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto n : nodes) {
            for (String o : n.getOutputList()) {
                producers.put(o, n);
            }
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        List<Match> out = new ArrayList<>();
        for (NodeProto mm : nodes) {
            if (!mm.getOpType().equals("MatMulInteger") || mm.getInputCount() < 3 || !mm.getDomain().isEmpty()) {
                continue;
            }
            TensorProto w = inits.get(mm.getInput(1));
            NodeProto dql = producers.get(mm.getInput(0));
            if (w == null || w.getDimsCount() != 2 || (w.getDataType() != INT8 && w.getDataType() != UINT8)
                    || dql == null || !dql.getOpType().equals("DynamicQuantizeLinear")
                    || !mm.getInput(2).equals(dql.getOutput(2))) {
                continue;
            }
            String zp = mm.getInputCount() > 3 ? mm.getInput(3) : "";
            if (!zp.isEmpty() && !inits.containsKey(zp)) {
                continue;
            }
            NodeProto cast = single(consumers, mm.getOutput(0), "Cast");
            if (cast == null || Attr.getInt(cast, "to", -1) != Tensors.FLOAT) {
                continue;
            }
            NodeProto mul = single(consumers, cast.getOutput(0), "Mul");
            if (mul == null) {
                continue;
            }
            String other = mul.getInput(0).equals(cast.getOutput(0)) ? mul.getInput(1) : mul.getInput(0);
            NodeProto scaleMul = producers.get(other);
            if (scaleMul == null || !scaleMul.getOpType().equals("Mul")) {
                continue;
            }
            String xScale = dql.getOutput(1);
            String wScale = scaleMul.getInput(0).equals(xScale) ? scaleMul.getInput(1)
                    : scaleMul.getInput(1).equals(xScale) ? scaleMul.getInput(0) : null;
            TensorProto ws = wScale == null ? null : inits.get(wScale);
            if (ws == null || ws.getDataType() != Tensors.FLOAT) {
                continue;
            }
            int in = (int) w.getDims(0);
            int o = (int) w.getDims(1);
            long scales = Tensors.size(Tensors.dims(ws));
            if (scales != 1 && scales != o) {
                continue;
            }
            QuantizedLinear q = new QuantizedLinear(dql.getName(), mm.getName(), zp.isEmpty() ? null : zp, wScale,
                    scaleMul.getName(), mul.getName(), scales == o && o != 1);
            out.add(new Match(q, dql.getInput(0), mul.getOutput(0), w.getName(), in, o, mm));
        }
        return out;
    }

    private static NodeProto single(Map<String, List<NodeProto>> consumers, String value, String op) {
        List<NodeProto> c = consumers.getOrDefault(value, List.of());
        return c.size() == 1 && c.get(0).getOpType().equals(op) ? c.get(0) : null;
    }

    /**
     * The integer values of an int8 or uint8 tensor (raw data or int32_data).
     * @param t the tensor.
     * @return the values, row-major.
     */
    public static int[] toInts(TensorProto t) {
        int n = (int) Tensors.size(Tensors.dims(t));
        int[] out = new int[n];
        boolean signed = t.getDataType() == INT8;
        if (t.getDataType() != INT8 && t.getDataType() != UINT8) {
            throw new IllegalArgumentException("Tensor '" + t.getName() + "' has element type " + t.getDataType() + ", expected INT8 or UINT8");
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalStateException("Tensor '" + t.getName() + "' holds external data that was not loaded");
        }
        if (!t.getRawData().isEmpty()) {
            ByteString raw = t.getRawData();
            for (int i = 0; i < n; i++) {
                byte b = raw.byteAt(i);
                out[i] = signed ? b : b & 0xff;
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = t.getInt32Data(i);
            }
        }
        return out;
    }

    /**
     * The float weight {@code W = s_w ⊙ (W_q − z_w)} of a quantized Linear, {@code [in, out]} row-major.
     * @param m the layer.
     * @param inits the initializers by name.
     * @return the dequantized weight.
     */
    public static float[] dequantize(Match m, Map<String, TensorProto> inits) {
        int[] wq = toInts(inits.get(m.weight()));
        float[] s = Tensors.toFloats(inits.get(m.q().weightScale()));
        int[] z = m.q().weightZeroPoint() == null ? new int[]{0} : toInts(inits.get(m.q().weightZeroPoint()));
        int o = m.outFeatures();
        float[] w = new float[wq.length];
        for (int i = 0; i < wq.length; i++) {
            int c = i % o;
            w[i] = s[s.length == 1 ? 0 : c] * (wq[i] - z[z.length == 1 ? 0 : c]);
        }
        return w;
    }

    /**
     * An int8 tensor.
     * @param name the name.
     * @param dims the shape.
     * @param values the values, each in [-128, 127].
     * @return the tensor.
     */
    public static TensorProto int8s(String name, long[] dims, int[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT8).setRawData(ByteString.copyFrom(b));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /**
     * Quantizes a float {@code [in, out]} weight symmetrically per output column: {@code s[o] = max|W[·,o]| / QMAX}
     * ({@value #QMAX}),
     * {@code W_q = round(W / s)}, zero point 0.
     * @param w the weight, row-major.
     * @param in rows.
     * @param out columns.
     * @param q receives the int8 values.
     * @return the scales, one per column.
     */
    public static float[] quantizePerColumn(float[] w, int in, int out, int[] q) {
        float[] s = new float[out];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                s[o] = Math.max(s[o], Math.abs(w[i * out + o]));
            }
        }
        for (int o = 0; o < out; o++) {
            s[o] = s[o] > 0 ? s[o] / QMAX : 1f;
        }
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                long r = Math.round(w[i * out + o] / s[o]);
                q[i * out + o] = (int) Math.max(-QMAX, Math.min(QMAX, r));
            }
        }
        return s;
    }

    /**
     * Rewrites the given float {@code MatMul} Linear layers into ONNX Runtime's dynamic-quantization form with int8
     * weights quantized per output column ({@link #quantizePerColumn}); the activation is quantized per tensor at run
     * time. Node names keep the module paths; the float weights are dropped.
     * @param model the model.
     * @param linears the float Linear layers to quantize (MatMul with an {@code [in, out]} weight).
     * @return the rewritten model.
     */
    public static ModelProto quantizeLinears(ModelProto model, List<LinearModule> linears) {
        Map<String, TensorProto> inits = LinearRewrites.initializers(model);
        Map<String, LinearModule> byNode = LinearRewrites.floatMatMulsByNode(linears, "int8");
        Map<String, String[]> quantizedWeights = new HashMap<>();
        Map<String, String[]> quantizedInputs = new HashMap<>();
        List<TensorProto> newInits = new ArrayList<>();
        List<NodeProto> nodes = new ArrayList<>();
        Set<String> dropped = new HashSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            LinearModule m = byNode.get(n.getName());
            if (m == null || !n.getOpType().equals("MatMul")) {
                nodes.add(n);
                continue;
            }
            String[] wq = quantizedWeights.computeIfAbsent(m.weight(), name -> {
                TensorProto w = inits.get(name);
                int[] q = new int[m.inFeatures() * m.outFeatures()];
                float[] s = quantizePerColumn(Tensors.toFloats(w), m.inFeatures(), m.outFeatures(), q);
                String base = name + "_int8";
                newInits.add(int8s(base, new long[]{m.inFeatures(), m.outFeatures()}, q));
                newInits.add(int8s(base + "_zero_point", new long[]{m.outFeatures()}, new int[m.outFeatures()]));
                newInits.add(Tensors.floats(base + "_scale", new long[]{m.outFeatures()}, s));
                dropped.add(name);
                return new String[]{base, base + "_zero_point", base + "_scale"};
            });
            String x = n.getInput(0);
            String[] xq = quantizedInputs.get(x);
            if (xq == null) {
                xq = new String[]{x + "_quantized", x + "_scale", x + "_zero_point"};
                quantizedInputs.put(x, xq);
                nodes.add(NodeProto.newBuilder().setOpType("DynamicQuantizeLinear").setName(x + "_QuantizeLinear")
                        .addInput(x).addOutput(xq[0]).addOutput(xq[1]).addOutput(xq[2]).build());
            }
            String name = n.getName();
            String scales = name + "_quant_scales_mul:0";
            nodes.add(NodeProto.newBuilder().setOpType("Mul").setName(name + "_quant_scales_mul")
                    .addInput(xq[1]).addInput(wq[2]).addOutput(scales).build());
            String acc = name + "_output_quantized";
            nodes.add(NodeProto.newBuilder().setOpType("MatMulInteger").setName(name + "_quant")
                    .addInput(xq[0]).addInput(wq[0]).addInput(xq[2]).addInput(wq[1]).addOutput(acc)
                    .addAllMetadataProps(n.getMetadataPropsList()).build());
            nodes.add(NodeProto.newBuilder().setOpType("Cast").setName(name + "_output_quantized_cast")
                    .addInput(acc).addOutput(acc + "_cast_output")
                    .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                            .setI(Tensors.FLOAT)).build());
            nodes.add(NodeProto.newBuilder().setOpType("Mul").setName(name + "_quant_output_scale_mul")
                    .addInput(acc + "_cast_output").addInput(scales).addOutput(n.getOutput(0)).build());
        }
        return LinearRewrites.withNodes(model, nodes, dropped, newInits);
    }
}
