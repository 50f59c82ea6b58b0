/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Graph;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a gradient rule sees: the graph being extended, the probed value metadata, and which values need gradients.
 */
public final class GradientContext {
    private final Graph graph;
    private final Map<String, ValueMeta> meta;
    private final Set<String> differentiable;

    GradientContext(Graph graph, Map<String, ValueMeta> meta, Set<String> differentiable) {
        this.graph = graph;
        this.meta = meta;
        this.differentiable = differentiable;
    }

    /**
     * The graph to append gradient nodes to.
     * @return the graph.
     */
    public Graph graph() {
        return graph;
    }

    /**
     * Whether a value needs a gradient (depends on a trainable input and reaches the loss).
     * @param value the value name.
     * @return true if a gradient must be produced for it.
     */
    public boolean needs(String value) {
        return value != null && !value.isEmpty() && differentiable.contains(value);
    }

    /**
     * The probed metadata of a value.
     * @param node the node being differentiated (for error messages).
     * @param value the value name.
     * @return the metadata.
     */
    public ValueMeta meta(NodeProto node, String value) {
        ValueMeta m = meta.get(value);
        if (m == null) {
            throw new NoGradientRuleException(node.getOpType(), node.getName(), "no shape known for value '" + value + "'");
        }
        return m;
    }

    /**
     * Sums a gradient over the axes along which {@code x} was broadcast to the shape of {@code y}, giving a tensor of
     * the shape of {@code x}.
     * @param node the node (for error messages).
     * @param grad the gradient, shaped like {@code y}.
     * @param y the broadcast result.
     * @param x the operand.
     * @return the reduced gradient.
     */
    public String sumTo(NodeProto node, String grad, String y, String x) {
        long[] ys = meta(node, y).shape();
        long[] xs = meta(node, x).shape();
        int lead = ys.length - xs.length;
        List<Long> axes = new java.util.ArrayList<>();
        for (int i = 0; i < ys.length; i++) {
            if (i < lead) {
                axes.add((long) i);
            } else if (xs[i - lead] == 1 && ys[i] != 1) {
                axes.add((long) i);
            }
        }
        if (axes.isEmpty()) {
            return grad;
        }
        String r = graph.reduceSum(grad, axes.stream().mapToLong(Long::longValue).toArray(), true);
        if (lead == 0) {
            return r;
        }
        return graph.reshapeLike(r, x);
    }

    /**
     * A scalar constant of the element type of {@code like} (float or double), so rules work on double graphs too.
     * @param node the node (for error messages).
     * @param like the value whose element type to use.
     * @param v the constant.
     * @return the constant's name.
     */
    public String constant(NodeProto node, String like, double v) {
        int t = meta(node, like).elemType();
        if (t == ai.loradrop.onnx.Tensors.DOUBLE) {
            return graph.addInitializer(ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName(graph.fresh("c"))
                    .setDataType(t).addDoubleData(v).build());
        }
        return graph.scalar((float) v);
    }

    /**
     * The element type of a value.
     * @param node the node (for error messages).
     * @param value the value.
     * @return the ONNX element type.
     */
    public int elemType(NodeProto node, String value) {
        return meta(node, value).elemType();
    }
}
