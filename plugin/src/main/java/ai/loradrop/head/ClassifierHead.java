/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.Tensors;

import java.util.List;

/**
 * The classification head appended to an encoder: pooling, optional dropout, {@code Linear(hidden, classes)}.
 */
public final class ClassifierHead {
    private ClassifierHead() {}

    /**
     * Pools per-token outputs.
     * @param g the graph.
     * @param hidden the {@code [rows, seq, hidden]} value.
     * @param attentionMask the int64 {@code [rows, seq]} mask.
     * @param pooling the pooling mode.
     * @return the {@code [rows, hidden]} value.
     */
    public static String pool(Graph g, String hidden, String attentionMask, Pooling pooling) {
        if (pooling == Pooling.FIRST_TOKEN) {
            return g.op("Gather", List.of(hidden, g.scalarLong(0)), Attr.i("axis", 1));
        }
        String m = g.cast(attentionMask, Tensors.FLOAT);
        String count = g.reduceSum(m, new long[]{1}, true);
        String w = g.unsqueeze(g.op("Div", m, count), 2);
        return g.reduceSum(g.op("Mul", hidden, w), new long[]{1}, false);
    }

    /**
     * The linear layer {@code logits = pooled Wᵀ + b}.
     * @param g the graph.
     * @param pooled the {@code [rows, hidden]} value.
     * @param weight the {@code [classes, hidden]} value.
     * @param bias the {@code [classes]} value.
     * @return the {@code [rows, classes]} logits.
     */
    public static String logits(Graph g, String pooled, String weight, String bias) {
        return g.op("Add", g.op("MatMul", pooled, g.transpose(weight, 1, 0)), bias);
    }
}
