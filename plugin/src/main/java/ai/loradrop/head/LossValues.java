/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

/**
 * The values a loss adds to a graph.
 *
 * @param loss the scalar loss.
 * @param outputs the {@code [rows, outputs]} head outputs (probabilities, label probabilities or predicted values).
 * @param dLogits the gradient of the loss with respect to the logits, which seeds the reverse pass.
 */
public record LossValues(String loss, String outputs, String dLogits) {}
