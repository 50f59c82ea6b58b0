/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

import ai.loradrop.onnx.Graph;

/**
 * Example-weighted mean squared error (regression): {@code L = Σᵢ wᵢ · (1/D) Σⱼ (zᵢⱼ − yᵢⱼ)² / Σᵢ wᵢ} over the
 * {@code D} outputs, with its gradient with respect to the predictions in closed form, {@code 2 (z − y) / D · wᵢ / Σ w}.
 */
public final class SquaredError {
    private SquaredError() {}

    /**
     * Appends the loss.
     * @param g the graph.
     * @param predictions the {@code [rows, D]} predictions (the head's linear outputs).
     * @param targets the float {@code [rows, D]} targets.
     * @param weights the float {@code [rows]} example weights.
     * @param outputs {@code D}.
     * @return the loss, the predictions and their gradient.
     */
    public static LossValues append(Graph g, String predictions, String targets, String weights, int outputs) {
        String r = g.op("Sub", predictions, targets);
        String perRow = g.reduceSum(g.op("Mul", r, r), new long[]{1}, false);
        String wn = g.op("Div", weights, g.op("Mul", g.reduceSum(weights, new long[]{0}, true), g.scalar(outputs)));
        String loss = g.reduceSum(g.op("Mul", perRow, wn), new long[]{0}, false);
        String dz = g.op("Mul", g.op("Mul", r, g.scalar(2f)), g.unsqueeze(wn, 1));
        return new LossValues(loss, predictions, dz);
    }
}
