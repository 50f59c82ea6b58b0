/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

import ai.loradrop.onnx.Graph;

/**
 * Example-weighted Huber loss (regression, robust to outlying targets): with the residual {@code r = z − y} and its
 * clipped form {@code c = clip(r, −δ, δ)}, each output costs {@code h(r) = c · (r − c/2)}, that is {@code r²/2} for
 * {@code |r| ≤ δ} and {@code δ(|r| − δ/2)} beyond. {@code L = Σᵢ wᵢ · (1/D) Σⱼ h(rᵢⱼ) / Σᵢ wᵢ}; the gradient with respect
 * to the predictions is {@code c / D · wᵢ / Σ w}.
 */
public final class HuberLoss {
    private HuberLoss() {}

    /**
     * Appends the loss.
     * @param g the graph.
     * @param predictions the {@code [rows, D]} predictions.
     * @param targets the float {@code [rows, D]} targets.
     * @param weights the float {@code [rows]} example weights.
     * @param outputs {@code D}.
     * @param delta the threshold {@code δ > 0} between the quadratic and the linear part.
     * @return the loss, the predictions and their gradient.
     */
    public static LossValues append(Graph g, String predictions, String targets, String weights, int outputs, double delta) {
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("The Huber delta must be positive and finite, got " + delta);
        }
        String r = g.op("Sub", predictions, targets);
        String c = g.op("Max", g.op("Min", r, g.scalar((float) delta)), g.scalar((float) -delta));
        String h = g.op("Mul", c, g.op("Sub", r, g.op("Mul", c, g.scalar(0.5f))));
        String perRow = g.reduceSum(h, new long[]{1}, false);
        String wn = g.op("Div", weights, g.op("Mul", g.reduceSum(weights, new long[]{0}, true), g.scalar(outputs)));
        String loss = g.reduceSum(g.op("Mul", perRow, wn), new long[]{0}, false);
        String dz = g.op("Mul", c, g.unsqueeze(wn, 1));
        return new LossValues(loss, predictions, dz);
    }
}
