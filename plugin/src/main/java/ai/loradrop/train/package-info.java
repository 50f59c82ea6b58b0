/**
 * The training loop around a training step: length-bucketed batches, learning-rate schedules, progress logging,
 * validation with early stopping, and atomic checkpoints with exact resume.
 */
package ai.loradrop.train;
