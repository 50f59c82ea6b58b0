/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Graph;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The erf form of GELU as exporters write it, {@code y = (x · (1 + erf(x / c))) · k} (PyTorch and Hugging Face:
 * {@code c = √2}, {@code k = 0.5}), differentiated as one block.
 * <p>
 * Node by node the reverse pass takes ten elementwise ops on the (wide) intermediate activation and a {@code Sum} of
 * the two paths to {@code x}; as a block it takes seven, six when ONNX Runtime folds {@code k} into the MatMul that
 * produces the incoming gradient, and reuses the forward's {@code u = x / c} and
 * {@code a = 1 + erf(u)}:
 * {@code dy/dx = k·a + k·x·(2/√π)·exp(−u²)/c = k·(a + (2/√π)·u·exp(−u²))}, with {@code u·exp(−u²)} written as
 * {@code u / exp(u²)} (one op fewer; for {@code u² > 88} the float {@code exp} is infinite and the quotient is the
 * limit 0).
 */
final class GeluBlocks {
    private GeluBlocks() {}

    /**
     * One matched block.
     * @param x the input.
     * @param u the forward value {@code x / c}.
     * @param a the forward value {@code 1 + erf(u)}.
     * @param c the divisor.
     * @param k the outer factor.
     * @param y the output value.
     */
    record Match(String x, String u, String a, double c, double k, String y) {}

    /**
     * Every erf-GELU block of a graph whose intermediate values are used only inside the block.
     * @param g the graph.
     * @return the blocks by their output value.
     */
    static Map<String, Match> find(Graph g) {
        List<NodeProto> nodes = new ArrayList<>(g.nodes());
        Map<String, NodeProto> producers = new HashMap<>();
        Map<String, Integer> uses = new HashMap<>();
        for (NodeProto n : nodes) {
            for (String o : n.getOutputList()) {
                producers.put(o, n);
            }
            for (String in : n.getInputList()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (var o : g.outputs()) {
            uses.merge(o.getName(), 1, Integer::sum);
        }
        Map<String, Match> out = new HashMap<>();
        for (NodeProto erf : nodes) {
            if (!erf.getOpType().equals("Erf") || !erf.getDomain().isEmpty()) {
                continue;
            }
            Match m = match(g, erf, producers, uses, nodes);
            if (m != null) {
                out.put(m.y(), m);
            }
        }
        return out;
    }

    private static Match match(Graph g, NodeProto erf, Map<String, NodeProto> producers, Map<String, Integer> uses,
                               List<NodeProto> nodes) {
        String u = erf.getInput(0);
        NodeProto div = producers.get(u);
        if (div == null || !div.getOpType().equals("Div") || uses.getOrDefault(u, 0) != 1) {
            return null;
        }
        Double c = GradientRules.scalarConstant(g, div.getInput(1));
        String x = div.getInput(0);
        String e = erf.getOutput(0);
        NodeProto add = onlyConsumer(nodes, e, uses, "Add");
        if (c == null || c == 0 || add == null) {
            return null;
        }
        Double one = GradientRules.scalarConstant(g, other(add, e));
        String a = add.getOutput(0);
        NodeProto mul = onlyConsumer(nodes, a, uses, "Mul");
        if (one == null || one != 1.0 || mul == null || !other(mul, a).equals(x)) {
            return null;
        }
        String m = mul.getOutput(0);
        NodeProto scale = onlyConsumer(nodes, m, uses, "Mul");
        if (scale == null) {
            return null;
        }
        Double k = GradientRules.scalarConstant(g, other(scale, m));
        return k == null ? null : new Match(x, u, a, c, k, scale.getOutput(0));
    }

    /** The other input of a two-input node, or "" when both are {@code v}. */
    private static String other(NodeProto n, String v) {
        if (n.getInputCount() != 2) {
            return "";
        }
        return n.getInput(0).equals(v) ? n.getInput(1) : n.getInput(1).equals(v) ? n.getInput(0) : "";
    }

    private static NodeProto onlyConsumer(List<NodeProto> nodes, String v, Map<String, Integer> uses, String op) {
        if (uses.getOrDefault(v, 0) != 1) {
            return null;
        }
        for (NodeProto n : nodes) {
            if (n.getInputList().contains(v)) {
                return n.getOpType().equals(op) && n.getDomain().isEmpty() && n.getInputCount() == 2 ? n : null;
            }
        }
        return null;
    }

    /**
     * {@code dL/dx} of a block.
     * @param ctx the context.
     * @param node the block's output node (element types are read through it).
     * @param m the block.
     * @param dy the gradient of the block's output.
     * @return the gradient of {@code x}.
     */
    static String inputGradient(GradientContext ctx, NodeProto node, Match m, String dy) {
        Graph g = ctx.graph();
        // u / exp(u²) = u · exp(−u²); the derivative is k · (a + (2/√π) · u · exp(−u²)) (c cancels: x / c = u).
        String t = g.op("Div", m.u(), g.op("Exp", g.op("Mul", m.u(), m.u())));
        String r = g.op("Add", m.a(), g.op("Mul", t, ctx.constant(node, m.x(), 2.0 / Math.sqrt(Math.PI))));
        // k scales dy rather than r: when dy comes straight from a MatMul (the next Linear's input gradient), ONNX
        // Runtime folds the scalar into it, one full-size pass fewer.
        return g.op("Mul", g.op("Mul", dy, ctx.constant(node, m.x(), m.k())), r);
    }
}
