/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.BlockQuantizedLinears;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.onnx.QuantizedLinears;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reverse-mode differentiation of an ONNX graph.
 * <p>
 * Only nodes on a path from a trainable input to a seeded value are differentiated, so frozen weights and everything
 * upstream of the first trainable input get no gradient work at all.
 */
public final class ReverseMode {
    private ReverseMode() {}

    /**
     * Exposes the optional {@code Mean} and {@code InvStdDev} outputs of every {@code LayerNormalization} node, which
     * its gradient rule reuses. Call before probing.
     * @param g the graph.
     */
    public static void exposeSavedStatistics(Graph g) {
        for (int i = 0; i < g.size(); i++) {
            NodeProto n = g.nodes().get(i);
            if (n.getOpType().equals("LayerNormalization") && (n.getOutputCount() < 3 || n.getOutput(1).isEmpty() || n.getOutput(2).isEmpty())) {
                NodeProto.Builder b = n.toBuilder().clearOutput().addOutput(n.getOutput(0))
                        .addOutput(n.getOutputCount() > 1 && !n.getOutput(1).isEmpty() ? n.getOutput(1) : g.fresh("ln_mean"))
                        .addOutput(g.fresh("ln_invstd"));
                g.setNode(i, b.build());
            }
        }
    }

    /**
     * Appends the gradient computation to a graph.
     * @param g the graph (forward nodes already present).
     * @param meta probed metadata of every value.
     * @param seeds for each seeded value, the name of its gradient value (for example d loss / d logits).
     * @param wrt the trainable inputs.
     * @return the gradient value of each trainable input, or null for an input that does not reach a seed.
     */
    public static Map<String, String> differentiate(Graph g, Map<String, ValueMeta> meta, Map<String, String> seeds,
                                                    List<String> wrt) {
        return differentiate(g, meta, seeds, wrt, QuantizedBackward.FLOAT);
    }

    /**
     * Appends the gradient computation to a graph; frozen int8 Linear layers (see
     * {@link ai.loradrop.onnx.QuantizedLinear}) and 4-bit ones ({@link ai.loradrop.onnx.BlockQuantizedLinears}) pass
     * the gradient to their float input as {@code dL/dy · Wᵀ}.
     * @param g the graph (forward nodes already present).
     * @param meta probed metadata of every value.
     * @param seeds for each seeded value, the name of its gradient value (for example d loss / d logits).
     * @param wrt the trainable inputs.
     * @param quantizedBackward how the gradient passes through int8 Linear layers (4-bit ones always use
     *                          {@link #blockQuantizedLinearInputGradient}).
     * @return the gradient value of each trainable input, or null for an input that does not reach a seed.
     */
    public static Map<String, String> differentiate(Graph g, Map<String, ValueMeta> meta, Map<String, String> seeds,
                                                    List<String> wrt, QuantizedBackward quantizedBackward) {
        return differentiate(g, meta, seeds, wrt, quantizedBackward, GradientRules::rule);
    }

    /**
     * {@link #differentiate(Graph, Map, Map, List, QuantizedBackward)} with the rules looked up elsewhere (tests).
     * @throws IllegalStateException when a rule returns a gradient array whose length is not the node's input count.
     */
    static Map<String, String> differentiate(Graph g, Map<String, ValueMeta> meta, Map<String, String> seeds,
                                             List<String> wrt, QuantizedBackward quantizedBackward,
                                             Function<String, GradientRules.Rule> rules) {
        List<NodeProto> forward = new ArrayList<>(g.nodes());
        // Each int8 Linear is differentiated as one block, keyed by its output Mul: y = x · W.
        Map<String, QuantizedLinears.Match> quantized = new HashMap<>();
        for (QuantizedLinears.Match q : QuantizedLinears.find(forward, g.initializers())) {
            quantized.put(q.q().outputMulNode(), q);
        }
        // Each 4-bit Linear is one com.microsoft:MatMulNBits node: y = x · W.
        Map<String, BlockQuantizedLinears.Match> blockQuantized = new HashMap<>();
        for (BlockQuantizedLinears.Match q : BlockQuantizedLinears.find(forward, g.initializers())) {
            blockQuantized.put(q.matMul().getName(), q);
        }
        // Each erf-GELU is differentiated as one block too, keyed by its output value (fewer elementwise ops).
        Map<String, GeluBlocks.Match> gelus = GeluBlocks.find(g);
        // Values that depend on a trainable input through floating-point data.
        Set<String> dependsOnParams = new HashSet<>(wrt);
        for (NodeProto n : forward) {
            QuantizedLinears.Match block = quantized.get(n.getName());
            boolean any = block != null && dependsOnParams.contains(block.input());
            for (String in : n.getInputList()) {
                if (dependsOnParams.contains(in)) {
                    any = true;
                    break;
                }
            }
            if (any) {
                for (String o : n.getOutputList()) {
                    ValueMeta m = meta.get(o);
                    if (!o.isEmpty() && m != null && m.isFloat()) {
                        dependsOnParams.add(o);
                    }
                }
            }
        }
        // Values the seeds depend on.
        Set<String> reachesSeed = new HashSet<>(seeds.keySet());
        for (int i = forward.size() - 1; i >= 0; i--) {
            NodeProto n = forward.get(i);
            boolean any = false;
            for (String o : n.getOutputList()) {
                if (reachesSeed.contains(o)) {
                    any = true;
                    break;
                }
            }
            if (any) {
                reachesSeed.addAll(n.getInputList());
            }
        }
        Set<String> differentiable = new HashSet<>();
        for (String v : dependsOnParams) {
            if (reachesSeed.contains(v)) {
                differentiable.add(v);
            }
        }
        GradientContext ctx = new GradientContext(g, meta, differentiable);
        Map<String, List<String>> contributions = new HashMap<>();
        for (Map.Entry<String, String> e : seeds.entrySet()) {
            contributions.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        for (int i = forward.size() - 1; i >= 0; i--) {
            NodeProto n = forward.get(i);
            boolean active = false;
            for (String o : n.getOutputList()) {
                if (differentiable.contains(o) && contributions.containsKey(o)) {
                    active = true;
                    break;
                }
            }
            if (!active) {
                continue;
            }
            QuantizedLinears.Match block = quantized.get(n.getName());
            if (block != null) {
                if (differentiable.contains(block.input())) {
                    String dy = total(g, contributions.get(n.getOutput(0)));
                    contributions.computeIfAbsent(block.input(), x -> new ArrayList<>())
                            .add(quantizedLinearInputGradient(g, block, dy, quantizedBackward));
                }
                continue;
            }
            BlockQuantizedLinears.Match block4 = blockQuantized.get(n.getName());
            if (block4 != null) {
                if (differentiable.contains(block4.input())) {
                    String dy = total(g, contributions.get(n.getOutput(0)));
                    contributions.computeIfAbsent(block4.input(), x -> new ArrayList<>())
                            .add(blockQuantizedLinearInputGradient(g, block4, dy));
                }
                continue;
            }
            GeluBlocks.Match gelu = n.getOutputCount() == 1 ? gelus.get(n.getOutput(0)) : null;
            if (gelu != null) {
                if (differentiable.contains(gelu.x())) {
                    String dy = total(g, contributions.get(n.getOutput(0)));
                    contributions.computeIfAbsent(gelu.x(), x -> new ArrayList<>())
                            .add(GeluBlocks.inputGradient(ctx, n, gelu, dy));
                }
                continue;
            }
            boolean anyInput = false;
            for (String in : n.getInputList()) {
                if (differentiable.contains(in)) {
                    anyInput = true;
                    break;
                }
            }
            if (!anyInput) {
                continue;
            }
            GradientRules.Rule rule = rules.apply(n.getOpType());
            if (rule == null || !n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new NoGradientRuleException(n.getOpType(), n.getName(), null);
            }
            String[] dOut = new String[n.getOutputCount()];
            for (int k = 0; k < dOut.length; k++) {
                dOut[k] = total(g, contributions.get(n.getOutput(k)));
            }
            if (dOut[0] == null) {
                continue;
            }
            String[] dIn = rule.apply(ctx, n, dOut);
            if (dIn == null || dIn.length != n.getInputCount()) {
                // A rule that returns too few gradients would silently drop the rest: a wrong gradient, not an error.
                throw new IllegalStateException("The gradient rule of op '" + n.getOpType() + "' (node '" + n.getName()
                        + "') returned " + (dIn == null ? "no array" : dIn.length + " input gradients") + " for a node with "
                        + n.getInputCount() + " inputs " + n.getInputList() + "; a rule must return one entry per input"
                        + " (null where no gradient is needed)");
            }
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                if (dIn[k] != null && differentiable.contains(in)) {
                    contributions.computeIfAbsent(in, x -> new ArrayList<>()).add(dIn[k]);
                }
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String w : wrt) {
            out.put(w, total(g, contributions.get(w)));
        }
        return out;
    }

    /**
     * {@code dL/dx = dL/dy · Wᵀ} of a frozen int8 Linear, {@code W = s_w ⊙ (W_q − z_w)} ({@code [in, out]}).
     * @param g the graph.
     * @param m the layer.
     * @param dy the gradient of its output (before the bias), {@code [..., out]}.
     * @param precision the backward form.
     * @return the gradient of its float input, {@code [..., in]}.
     */
    static String quantizedLinearInputGradient(Graph g, QuantizedLinears.Match m, String dy, QuantizedBackward precision) {
        Map<String, TensorProto> inits = g.initializers();
        int in = m.inFeatures();
        int out = m.outFeatures();
        if (precision == QuantizedBackward.FLOAT) {
            String name = m.weight() + "_dequantized_T";
            if (!inits.containsKey(name)) {
                float[] w = QuantizedLinears.dequantize(m, inits);
                float[] t = new float[w.length];
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        t[o * in + i] = w[i * out + o];
                    }
                }
                g.addInitializer(Tensors.floats(name, new long[]{out, in}, t));
            }
            return g.op("MatMul", dy, name);
        }
        // dy · Wᵀ with Wᵀ = (s_w ⊙ (W_q − z_w))ᵀ requantized symmetrically per column of Wᵀ (per input feature i):
        // Wᵀ ≈ Q_T ⊙ s_T. Then dx = (s_dy · s_T) ⊙ (q_dy · Q_T) is exactly the form ONNX Runtime fuses into one
        // DynamicQuantizeMatMul kernel, Mul(Cast(MatMulInteger(q_dy, Q_T, z_dy)), Mul(s_dy, s_T)): no elementwise
        // scaling of dy (a full-size Mul per layer with W_qᵀ and s_w kept) and no zero-point term. Requantizing costs
        // one more rounding of the weight (about 0.2% of each element's magnitude), far inside the activation
        // quantization's error.
        String tName = m.weight() + "_requantized_T";
        String sName = tName + "_scale";
        if (!inits.containsKey(tName)) {
            float[] w = QuantizedLinears.dequantize(m, inits);
            float[] t = new float[w.length];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    t[o * in + i] = w[i * out + o];
                }
            }
            int[] q = new int[t.length];
            float[] st = QuantizedLinears.quantizePerColumn(t, out, in, q);
            g.addInitializer(QuantizedLinears.int8s(tName, new long[]{out, in}, q));
            g.addInitializer(Tensors.floats(sName, new long[]{in}, st));
        }
        String[] q = g.opN("DynamicQuantizeLinear", "", List.of(dy), 3);
        String acc = g.op("MatMulInteger", q[0], tName, q[2]);
        return g.op("Mul", g.cast(acc, Tensors.FLOAT), g.op("Mul", q[1], sName));
    }

    /**
     * {@code dL/dx = dL/dy · Wᵀ} of a frozen 4-bit Linear, exact for its dequantized weight: {@code Wᵀ}
     * ({@code [out, in]}) is dequantized at run time from the layer's own packed bytes by
     * {@code com.microsoft:GatherBlockQuantized} (reading {@code B} {@code [out, blocks, blockSize / 2]} as blocks along
     * its last axis), so no float copy of the weight is stored; the only extra initializers are the row indices
     * {@code 0..out-1} (shared by layers of the same width) and small shape constants.
     * @param g the graph.
     * @param m the layer.
     * @param dy the gradient of its output (before the bias), {@code [..., out]}.
     * @return the gradient of its float input, {@code [..., in]}.
     */
    static String blockQuantizedLinearInputGradient(Graph g, BlockQuantizedLinears.Match m, String dy) {
        int in = m.inFeatures();
        int out = m.outFeatures();
        int blocks = m.blocks();
        String rows = "loradrop_int4_rows_" + out;
        if (!g.initializers().containsKey(rows)) {
            long[] idx = new long[out];
            for (int i = 0; i < out; i++) {
                idx[i] = i;
            }
            g.addInitializer(Tensors.longs(rows, new long[]{out}, idx));
        }
        String scales = g.op("Reshape", m.scales(), g.longs(out, blocks, 1));
        String wt = g.opN("GatherBlockQuantized", BlockQuantizedLinears.DOMAIN, List.of(m.weight(), rows, scales), 1,
                Attr.i("gather_axis", 0), Attr.i("quantize_axis", 2), Attr.i("block_size", m.blockSize()),
                Attr.i("bits", BlockQuantizedLinears.BITS))[0];
        wt = g.op("Reshape", wt, g.longs(out, (long) blocks * m.blockSize()));
        if ((long) blocks * m.blockSize() != in) {
            wt = g.op("Slice", wt, g.longs(0), g.longs(in), g.longs(1));
        }
        String dx = g.fresh("dx");
        g.addNode(NodeProto.newBuilder().setOpType("MatMul")
                .setName(g.fresh(m.matMul().getName() + BlockQuantizedLinears.INPUT_GRADIENT_SUFFIX))
                .addInput(dy).addInput(wt).addOutput(dx).build());
        return dx;
    }

    private static String total(Graph g, List<String> parts) {
        if (parts == null || parts.isEmpty()) {
            return null;
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        String s = g.op("Sum", parts);
        // Later calls see the summed value only once.
        parts.clear();
        parts.add(s);
        return s;
    }
}
