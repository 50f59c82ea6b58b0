/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

import ai.loradrop.onnx.Graph;

/**
 * Example-weighted binary cross-entropy with logits, one sigmoid per label (multi-label):
 * {@code L = Σᵢ wᵢ · Σⱼ ℓ(zᵢⱼ, yᵢⱼ) / Σᵢ wᵢ} with {@code ℓ(z, y) = max(z, 0) − z·y + log(1 + e^{−|z|})}, the
 * overflow-free form of {@code −y log σ(z) − (1 − y) log(1 − σ(z))}. Labels are summed (each label's logit gets the
 * gradient a softmax logit would get), examples averaged by weight. The gradient with respect to the logits is written
 * in closed form, {@code (σ(z) − y) · wᵢ / Σ w}.
 */
public final class BinaryCrossEntropy {
    private BinaryCrossEntropy() {}

    /**
     * Appends the loss.
     * @param g the graph.
     * @param logits the {@code [rows, labels]} logits.
     * @param targets the float {@code [rows, labels]} targets in [0, 1] (1: the example has the label).
     * @param weights the float {@code [rows]} example weights.
     * @return the loss, the {@code [rows, labels]} sigmoids and the logits' gradient.
     */
    public static LossValues append(Graph g, String logits, String targets, String weights) {
        String probs = probabilities(g, logits);
        String softplus = g.op("Softplus", g.op("Neg", g.op("Abs", logits)));
        String perLabel = g.op("Add", g.op("Sub", g.op("Relu", logits), g.op("Mul", logits, targets)), softplus);
        String perRow = g.reduceSum(perLabel, new long[]{1}, false);
        String wn = g.op("Div", weights, g.reduceSum(weights, new long[]{0}, true));
        String loss = g.reduceSum(g.op("Mul", perRow, wn), new long[]{0}, false);
        String dLogits = g.op("Mul", g.op("Sub", probs, targets), g.unsqueeze(wn, 1));
        return new LossValues(loss, probs, dLogits);
    }

    /**
     * The label probabilities only (prediction graphs).
     * @param g the graph.
     * @param logits the logits.
     * @return {@code σ(logits)}.
     */
    public static String probabilities(Graph g, String logits) {
        return g.op("Sigmoid", logits);
    }
}
