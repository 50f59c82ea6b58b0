/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.head.HeadLoss;

/**
 * The loss of {@link LoraDropRegressionTrainer}, on targets standardised with the training data.
 */
public enum RegressionLoss {
    /** Mean squared error. */
    MSE(HeadLoss.MSE),
    /** Huber loss with delta one training standard deviation ({@link HeadLoss#HUBER_DELTA}), robust to outlying targets. */
    HUBER(HeadLoss.HUBER);

    private final HeadLoss headLoss;

    RegressionLoss(HeadLoss headLoss) {
        this.headLoss = headLoss;
    }

    /**
     * The head loss.
     * @return the graph piece.
     */
    public HeadLoss headLoss() {
        return headLoss;
    }
}
