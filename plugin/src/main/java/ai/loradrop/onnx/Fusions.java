/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Rewrites decomposed subgraphs of exported encoders into single operators.
 * <p>
 * TorchScript exports below opset 17 spell LayerNorm as nine elementwise and reduction nodes. ONNX Runtime fuses them
 * when it only predicts, but in a training graph the backward pass reads the intermediate values, which blocks its
 * fusion and leaves a long chain of memory-bound kernels in both directions. One {@code LayerNormalization} node
 * (which ONNX Runtime also accepts below opset 17) computes the same function, exposes its mean and inverse standard
 * deviation for the gradient, and has a compact gradient rule.
 */
public final class Fusions {
    private static final Logger logger = Logger.getLogger(Fusions.class.getName());

    private Fusions() {}

    /**
     * Replaces every decomposed LayerNorm over the last axis with a {@code LayerNormalization} node.
     * @param g the graph.
     * @return the number of fused patterns.
     */
    public static int fuseLayerNorm(Graph g) {
        int fused = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<String, List<Integer>> consumers = g.consumers();
            Map<String, Integer> producers = g.producers();
            for (int i = 0; i < g.size(); i++) {
                NodeProto r1 = g.nodes().get(i);
                if (!r1.getOpType().equals("ReduceMean") || !lastAxis(g, r1)) {
                    continue;
                }
                List<Integer> removed = new ArrayList<>();
                NodeProto ln = match(g, r1, i, consumers, producers, removed);
                if (ln != null) {
                    replace(g, removed, ln);
                    fused++;
                    changed = true;
                    break;
                }
            }
        }
        if (fused > 0) {
            logger.fine("Fused " + fused + " decomposed LayerNorm patterns");
        }
        return fused;
    }

    /** Domain of ONNX Runtime's contrib operators. */
    static final String MS_DOMAIN = Graph.CONTRIB_DOMAIN;

    /**
     * For ONNX Runtime inference only: replaces each residual {@code Add → LayerNormalization} (last axis, one output)
     * by ONNX Runtime's {@code SkipLayerNormalization}. On this machine kind ONNX Runtime 1.29's CPU
     * {@code LayerNormalization} kernel takes about twice as long as {@code SkipLayerNormalization} on a
     * {@code [32, 64, 384]} tensor, although the latter also does the addition (measured: 2.5 vs 1.2 ms), and ONNX
     * Runtime does not fuse the pair itself when the shapes are symbolic. A pair is rewritten only when one input of
     * the {@code Add} is the output of another (Skip)LayerNormalization, so both are activations of the same
     * {@code [batch, seq, hidden]} shape. The kernel does not produce the mean and inverse standard deviation that a
     * gradient needs, so training graphs keep {@code LayerNormalization}; models written for other runtimes must not
     * carry the contrib op either.
     * @param model the model.
     * @return the rewritten model (the same instance when nothing matched).
     */
    public static ModelProto skipLayerNorm(ModelProto model) {
        List<NodeProto> nodes = model.getGraph().getNodeList();
        Map<String, Integer> producers = new HashMap<>();
        Map<String, Integer> uses = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                producers.put(o, i);
            }
            for (String in : nodes.get(i).getInputList()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (var o : model.getGraph().getOutputList()) {
            uses.merge(o.getName(), 1, Integer::sum);
        }
        List<NodeProto> out = new ArrayList<>(nodes);
        Set<Integer> drop = new HashSet<>();
        int fused = 0;
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto ln = nodes.get(i);
            boolean oneOutput = ln.getOutputCount() == 1 || ln.getOutputList().subList(1, ln.getOutputCount()).stream().allMatch(String::isEmpty);
            if (!ln.getOpType().equals("LayerNormalization") || !ln.getDomain().isEmpty() || !oneOutput
                    || Attr.getInt(ln, "axis", -1) != -1 || ln.getInputCount() < 3 || ln.getInput(2).isEmpty()) {
                continue;
            }
            Integer addIndex = producers.get(ln.getInput(0));
            if (addIndex == null || drop.contains(addIndex)) {
                continue;
            }
            NodeProto add = nodes.get(addIndex);
            if (!add.getOpType().equals("Add") || add.getInputCount() != 2 || !residual(nodes, producers, add.getInput(0))
                    && !residual(nodes, producers, add.getInput(1))) {
                continue;
            }
            boolean sumUsedElsewhere = uses.getOrDefault(add.getOutput(0), 0) > 1;
            NodeProto.Builder skip = NodeProto.newBuilder().setOpType("SkipLayerNormalization").setDomain(MS_DOMAIN)
                    .setName(ln.getName() + "_skip").addInput(add.getInput(0)).addInput(add.getInput(1))
                    .addInput(ln.getInput(1)).addInput(ln.getInput(2)).addOutput(ln.getOutput(0))
                    .addAttribute(Attr.f("epsilon", Attr.getFloat(ln, "epsilon", 1e-5f)));
            if (sumUsedElsewhere) {
                skip.addOutput("").addOutput("").addOutput(add.getOutput(0));
            }
            out.set(i, skip.build());
            drop.add(addIndex);
            fused++;
        }
        if (fused == 0) {
            return model;
        }
        List<NodeProto> kept = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            if (!drop.contains(i)) {
                kept.add(out.get(i));
            }
        }
        logger.fine("Fused " + fused + " Add + LayerNormalization pairs into SkipLayerNormalization");
        return Graph.withContribDomain(model.toBuilder().setGraph(model.getGraph().toBuilder().clearNode().addAllNode(kept)).build());
    }

    /** Whether a value is computed by a (Skip)LayerNormalization node: an activation of the residual stream. */
    private static boolean residual(List<NodeProto> nodes, Map<String, Integer> producers, String value) {
        Integer p = producers.get(value);
        if (p == null) {
            return false;
        }
        String op = nodes.get(p).getOpType();
        return op.equals("LayerNormalization") || op.equals("SkipLayerNormalization") && nodes.get(p).getOutput(0).equals(value);
    }

    private static NodeProto match(Graph g, NodeProto r1, int r1Index, Map<String, List<Integer>> consumers,
                                   Map<String, Integer> producers, List<Integer> removed) {
        String x = r1.getInput(0);
        NodeProto sub = single(g, consumers, r1.getOutput(0), "Sub");
        if (sub == null || !sub.getInput(0).equals(x) || !sub.getInput(1).equals(r1.getOutput(0))) {
            return null;
        }
        String d = sub.getOutput(0);
        List<Integer> dUses = consumers.getOrDefault(d, List.of());
        if (dUses.size() != 2) {
            return null;
        }
        NodeProto pow = null;
        NodeProto div = null;
        for (int u : dUses) {
            NodeProto n = g.nodes().get(u);
            if (n.getOpType().equals("Pow") && n.getInput(0).equals(d)) {
                pow = n;
            } else if (n.getOpType().equals("Div") && n.getInput(0).equals(d)) {
                div = n;
            }
        }
        if (pow == null || div == null || !Double.valueOf(2.0).equals(constant(g, pow.getInput(1), producers))) {
            return null;
        }
        NodeProto r2 = single(g, consumers, pow.getOutput(0), "ReduceMean");
        if (r2 == null || !lastAxis(g, r2)) {
            return null;
        }
        NodeProto add = single(g, consumers, r2.getOutput(0), "Add");
        if (add == null) {
            return null;
        }
        String epsName = add.getInput(0).equals(r2.getOutput(0)) ? add.getInput(1) : add.getInput(0);
        Double eps = constant(g, epsName, producers);
        if (eps == null) {
            return null;
        }
        NodeProto sqrt = single(g, consumers, add.getOutput(0), "Sqrt");
        if (sqrt == null || !div.getInput(1).equals(sqrt.getOutput(0))) {
            return null;
        }
        NodeProto mul = single(g, consumers, div.getOutput(0), "Mul");
        if (mul == null) {
            return null;
        }
        String gamma = mul.getInput(0).equals(div.getOutput(0)) ? mul.getInput(1) : mul.getInput(0);
        NodeProto addB = single(g, consumers, mul.getOutput(0), "Add");
        if (addB == null) {
            return null;
        }
        String beta = addB.getInput(0).equals(mul.getOutput(0)) ? addB.getInput(1) : addB.getInput(0);
        TensorProto gt = constantTensor(g, gamma, producers);
        TensorProto bt = constantTensor(g, beta, producers);
        if (gt == null || bt == null || gt.getDimsCount() != 1 || bt.getDimsCount() != 1) {
            return null;
        }
        for (NodeProto n : List.of(r1, sub, pow, r2, add, sqrt, div, mul, addB)) {
            removed.add(indexOf(g, n));
        }
        return NodeProto.newBuilder().setOpType("LayerNormalization").setName(g.fresh("fused_layernorm"))
                .addInput(x).addInput(gamma).addInput(beta).addOutput(addB.getOutput(0))
                .addAttribute(Attr.i("axis", -1)).addAttribute(Attr.f("epsilon", eps.floatValue())).build();
    }

    private static void replace(Graph g, List<Integer> removed, NodeProto ln) {
        int last = removed.stream().mapToInt(Integer::intValue).max().orElseThrow();
        g.setNode(last, ln);
        Set<Integer> drop = new HashSet<>(removed);
        drop.remove(last);
        g.removeNodes(drop);
    }

    private static int indexOf(Graph g, NodeProto n) {
        for (int i = 0; i < g.size(); i++) {
            if (g.nodes().get(i) == n || g.nodes().get(i).equals(n)) {
                return i;
            }
        }
        throw new IllegalStateException("node not found");
    }

    private static NodeProto single(Graph g, Map<String, List<Integer>> consumers, String value, String op) {
        List<Integer> uses = consumers.getOrDefault(value, List.of());
        if (uses.size() != 1) {
            return null;
        }
        NodeProto n = g.nodes().get(uses.get(0));
        return n.getOpType().equals(op) ? n : null;
    }

    private static boolean lastAxis(Graph g, NodeProto reduce) {
        long[] axes = Attr.getInts(reduce, "axes");
        if (axes == null && reduce.getInputCount() > 1) {
            TensorProto t = g.initializers().get(reduce.getInput(1));
            axes = t == null ? null : Tensors.toLongs(t);
        }
        return axes != null && axes.length == 1 && axes[0] == -1 && Attr.getInt(reduce, "keepdims", 1) == 1;
    }

    /** An initializer, or the tensor of a Constant node (exports fold identical LayerNorm weights into Constants). */
    private static TensorProto constantTensor(Graph g, String name, Map<String, Integer> producers) {
        String v = name;
        for (int hops = 0; hops < 8; hops++) {
            TensorProto t = g.initializers().get(v);
            if (t != null) {
                return t;
            }
            Integer p = producers.get(v);
            if (p == null) {
                return null;
            }
            NodeProto n = g.nodes().get(p);
            if (n.getOpType().equals("Constant")) {
                return Attr.find(n, "value").map(a -> a.getT()).orElse(null);
            }
            if (!n.getOpType().equals("Identity")) {
                return null;
            }
            v = n.getInput(0);
        }
        return null;
    }

    private static Double constant(Graph g, String name, Map<String, Integer> producers) {
        TensorProto t = constantTensor(g, name, producers);
        if (t == null || Tensors.size(Tensors.dims(t)) != 1 || t.getDataType() != Tensors.FLOAT) {
            return null;
        }
        return (double) Tensors.toFloats(t)[0];
    }
}
