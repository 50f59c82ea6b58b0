/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

/**
 * Thrown when the training loss becomes NaN or infinite. The last good checkpoint, if any, is left in place.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final long step;

    /**
     * Creates the exception.
     * @param step the step whose loss was not finite.
     * @param loss the loss.
     * @param detail what was kept.
     */
    public TrainingDivergedException(long step, double loss, String detail) {
        super("Training diverged at step " + step + ": loss = " + loss + ". " + detail);
        this.step = step;
    }

    /**
     * The step whose loss was not finite.
     * @return the step.
     */
    public long step() {
        return step;
    }
}
