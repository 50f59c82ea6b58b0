/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import java.io.Serializable;

/**
 * Losses of one epoch.
 *
 * @param epoch the 1-based epoch.
 * @param trainLoss the example-weighted mean training loss over the epoch's steps.
 * @param validationLoss the weighted validation NLL after the epoch, NaN without validation data.
 * @param validationAccuracy the validation accuracy after the epoch, NaN without validation data.
 */
public record EpochStats(int epoch, double trainLoss, double validationLoss, double validationAccuracy) implements Serializable {
}
