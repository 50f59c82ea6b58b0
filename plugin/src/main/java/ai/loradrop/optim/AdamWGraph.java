/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.optim;

import ai.loradrop.onnx.Graph;

/**
 * AdamW written into a graph on flat parameter, gradient and moment vectors, as PyTorch's {@code torch.optim.AdamW}
 * computes it: {@code θ ← θ(1 − ηλ)}, {@code m ← β₁m + (1−β₁)g}, {@code v ← β₂v + (1−β₂)g²},
 * {@code θ ← θ − (η / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)}.
 */
public final class AdamWGraph {
    private AdamWGraph() {}

    /**
     * The values of one update.
     * @param params the new parameters.
     * @param m the new first moments.
     * @param v the new second moments.
     * @param gradNorm the global gradient norm before clipping.
     */
    public record Update(String params, String m, String v, String gradNorm) {}

    /**
     * Appends one AdamW update.
     * @param g the graph.
     * @param params the flat parameters.
     * @param grad the flat gradient.
     * @param m the flat first moments.
     * @param v the flat second moments.
     * @param step the float scalar step number t (1 for the first update).
     * @param lr the float scalar learning rate.
     * @param cfg the hyperparameters.
     * @return the updated values.
     */
    public static Update append(Graph g, String params, String grad, String m, String v, String step, String lr,
                                AdamWConfig cfg) {
        String norm = g.op("Sqrt", g.reduceSum(g.op("Mul", grad, grad), new long[]{0}, false));
        String gr = grad;
        if (cfg.maxGradNorm() > 0) {
            // PyTorch's clip_grad_norm_: scale by min(1, max_norm / (norm + 1e-6)).
            String factor = g.op("Div", g.scalar((float) cfg.maxGradNorm()), g.op("Add", norm, g.scalar(1e-6f)));
            factor = g.op("Min", factor, g.scalar(1f));
            gr = g.op("Mul", grad, factor);
        }
        String one = g.scalar(1f);
        String decayed = g.op("Mul", params, g.op("Sub", one, g.op("Mul", lr, g.scalar((float) cfg.weightDecay()))));
        String b1 = g.scalar((float) cfg.beta1());
        String b2 = g.scalar((float) cfg.beta2());
        String m2 = g.op("Add", g.op("Mul", m, b1), g.op("Mul", gr, g.scalar((float) (1 - cfg.beta1()))));
        String v2 = g.op("Add", g.op("Mul", v, b2), g.op("Mul", g.op("Mul", gr, gr), g.scalar((float) (1 - cfg.beta2()))));
        String bc1 = g.op("Sub", one, g.op("Pow", b1, step));
        String bc2 = g.op("Sub", one, g.op("Pow", b2, step));
        String stepSize = g.op("Div", lr, bc1);
        String denom = g.op("Add", g.op("Div", g.op("Sqrt", v2), g.op("Sqrt", bc2)), g.scalar((float) cfg.epsilon()));
        String updated = g.op("Sub", decayed, g.op("Mul", stepSize, g.op("Div", m2, denom)));
        return new Update(updated, m2, v2, norm);
    }
}
