/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * The training loop around a training step: length-bucketed batches, learning-rate schedules, progress logging,
 * validation with early stopping, and atomic checkpoints with exact resume.
 */
package ai.loradrop.train;
