/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import java.io.Serializable;
import java.util.List;

/**
 * The outcome of a fine-tuning run.
 *
 * @param params the flat parameters of the chosen epoch.
 * @param history per-epoch losses.
 * @param chosenEpoch the epoch whose parameters were kept (the best validation loss, or the last epoch).
 * @param steps steps run (batches of the plan, including any skipped because their example weights sum to 0).
 * @param trainSeconds wall time of the training loop.
 * @param examplesPerSecond training throughput (examples × dropout instances are counted once per example).
 */
public record FineTuneResult(float[] params, List<EpochStats> history, int chosenEpoch, long steps, double trainSeconds,
                             double examplesPerSecond) implements Serializable {
    /**
     * Copies the history.
     * @param params the flat parameters of the chosen epoch.
     * @param history per-epoch losses.
     * @param chosenEpoch the epoch whose parameters were kept (the best validation loss, or the last epoch).
     * @param steps steps run (batches of the plan, including any skipped because their example weights sum to 0).
     * @param trainSeconds wall time of the training loop.
     * @param examplesPerSecond training throughput (examples × dropout instances are counted once per example).
     */
    public FineTuneResult {
        history = List.copyOf(history);
    }
}
