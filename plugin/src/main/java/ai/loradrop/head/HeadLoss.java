/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

import ai.loradrop.onnx.Graph;

/**
 * The head's output function and training loss, one per kind of Tribuo output: what the linear layer's outputs
 * become at prediction time and which loss trains them.
 */
public enum HeadLoss {
    /** Classes ({@code Label}): softmax outputs, example-weighted cross-entropy on int64 class indices. */
    SOFTMAX_CROSS_ENTROPY,
    /** Labels ({@code MultiLabel}): one sigmoid per label, example-weighted binary cross-entropy on 0/1 targets. */
    SIGMOID_BINARY_CROSS_ENTROPY,
    /** Values ({@code Regressor}): identity outputs, example-weighted mean squared error on float targets. */
    MSE,
    /** Values ({@code Regressor}): identity outputs, example-weighted Huber loss with {@link #HUBER_DELTA}. */
    HUBER;

    /**
     * The Huber threshold in target units; regression targets are standardised to unit variance on the training
     * data, so a residual beyond one training standard deviation costs linearly.
     */
    public static final double HUBER_DELTA = 1.0;

    /**
     * Whether the targets are float {@code [rows, outputs]} values (else int64 {@code [rows]} class indices).
     * @return true for every loss but the softmax cross-entropy.
     */
    public boolean floatTargets() {
        return this != SOFTMAX_CROSS_ENTROPY;
    }

    /**
     * Whether the outputs are values of a regression (identity outputs) rather than probabilities.
     * @return true for MSE and Huber.
     */
    public boolean regression() {
        return this == MSE || this == HUBER;
    }

    /**
     * The smallest number of outputs the head may have.
     * @return 2 for classes (a softmax over one class is constant), else 1.
     */
    public int minOutputs() {
        return this == SOFTMAX_CROSS_ENTROPY ? 2 : 1;
    }

    /**
     * Appends the loss.
     * @param g the graph.
     * @param logits the {@code [rows, outputs]} linear outputs.
     * @param targets int64 {@code [rows]} class indices (softmax) or float {@code [rows, outputs]} targets.
     * @param weights the float {@code [rows]} example weights.
     * @param outputs the number of outputs.
     * @return the loss values.
     */
    public LossValues append(Graph g, String logits, String targets, String weights, int outputs) {
        return switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> {
                CrossEntropy.Values v = CrossEntropy.append(g, logits, targets, weights, outputs);
                yield new LossValues(v.loss(), v.probabilities(), v.dLogits());
            }
            case SIGMOID_BINARY_CROSS_ENTROPY -> BinaryCrossEntropy.append(g, logits, targets, weights);
            case MSE -> SquaredError.append(g, logits, targets, weights, outputs);
            case HUBER -> HuberLoss.append(g, logits, targets, weights, outputs, HUBER_DELTA);
        };
    }

    /**
     * The prediction-time outputs of the linear outputs.
     * @param g the graph.
     * @param logits the {@code [rows, outputs]} linear outputs.
     * @return softmax, sigmoid or the logits themselves.
     */
    public String outputs(Graph g, String logits) {
        return switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> CrossEntropy.probabilities(g, logits);
            case SIGMOID_BINARY_CROSS_ENTROPY -> BinaryCrossEntropy.probabilities(g, logits);
            case MSE, HUBER -> logits;
        };
    }
}
