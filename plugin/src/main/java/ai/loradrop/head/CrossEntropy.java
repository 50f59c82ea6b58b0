/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.Graph;

import java.util.List;

/**
 * Example-weighted softmax cross-entropy, {@code L = Σᵢ wᵢ · (−log pᵢ[yᵢ]) / Σᵢ wᵢ}, with its gradient with respect
 * to the logits written in closed form, {@code (p − onehot(y)) · wᵢ / Σ w}, which seeds the reverse pass.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /**
     * The values the loss adds to a graph.
     * @param loss the scalar loss.
     * @param probabilities the {@code [rows, classes]} softmax.
     * @param dLogits the gradient of the loss with respect to the logits.
     */
    public record Values(String loss, String probabilities, String dLogits) {}

    /**
     * Appends the loss.
     * @param g the graph.
     * @param logits the {@code [rows, classes]} logits.
     * @param labels the int64 {@code [rows]} class indices.
     * @param weights the float {@code [rows]} example weights.
     * @param numClasses the number of classes.
     * @return the loss values.
     */
    public static Values append(Graph g, String logits, String labels, String weights, int numClasses) {
        String probs = g.op("Softmax", List.of(logits), Attr.i("axis", 1));
        String logp = g.op("LogSoftmax", List.of(logits), Attr.i("axis", 1));
        String onehot = g.op("OneHot", List.of(labels, g.scalarLong(numClasses), g.floats(new long[]{2}, new float[]{0f, 1f})),
                Attr.i("axis", -1));
        String wn = g.op("Div", weights, g.reduceSum(weights, new long[]{0}, true));
        String nll = g.op("Neg", g.reduceSum(g.op("Mul", onehot, logp), new long[]{1}, false));
        String loss = g.reduceSum(g.op("Mul", nll, wn), new long[]{0}, false);
        String dLogits = g.op("Mul", g.op("Sub", probs, onehot), g.unsqueeze(wn, 1));
        return new Values(loss, probs, dLogits);
    }

    /**
     * Probabilities only (prediction graphs).
     * @param g the graph.
     * @param logits the logits.
     * @return the softmax.
     */
    public static String probabilities(Graph g, String logits) {
        return g.op("Softmax", List.of(logits), Attr.i("axis", 1));
    }
}
