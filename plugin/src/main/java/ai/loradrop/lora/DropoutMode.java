/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.lora;

/**
 * Where LoRA dropout masks apply.
 */
public enum DropoutMode {
    /** No LoRA dropout. */
    NONE,
    /**
     * PEFT's and QLoRA's {@code lora_dropout}: a Bernoulli mask on the LoRA branch input, one element per token and
     * feature, {@code x' = x ⊙ m / (1 − p)}.
     */
    INPUT,
    /**
     * Lin et al. 2024, "LoRA Dropout as a Sparsity Regularizer": Bernoulli masks on the columns of {@code A} and the
     * rows of {@code B}, one mask over the input features and one over the output features per module and dropout
     * instance.
     */
    SPARSE
}
