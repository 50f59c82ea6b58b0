/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.text.LongText;

/**
 * The prediction-time options every LoRA-Drop model (classification, multi-label, regression) changes in a copy of
 * itself: the ONNX Runtime threads of its sessions and how it reads texts longer than its maximum length. The trained
 * parameters are untouched; a copy has its own native sessions, to be closed separately.
 *
 * @param <M> the type of the copies.
 */
public interface ReadingOptions<M extends ReadingOptions<M>> extends AutoCloseable {
    /** Releases the model's native sessions; it cannot predict afterwards. */
    @Override
    void close();

    /**
     * What the model does with texts longer than its maximum length.
     * @return the long-text policy.
     */
    LongText getLongText();

    /**
     * The window stride in word pieces ({@link LongText#WINDOWS} only).
     * @return the stride.
     */
    int getWindowStride();

    /**
     * The ONNX Runtime intra-op threads of the model's sessions.
     * @return the thread count, 0 for ONNX Runtime's default.
     */
    int getThreads();

    /**
     * A copy that reads texts longer than the maximum length another way (for instance a model trained with
     * truncation that predicts from windows; a document's outputs are then the mean of its windows').
     * @param mode what to do with long texts.
     * @param stride {@link LongText#WINDOWS} only: word pieces between the starts of two windows.
     * @return the new model.
     * @throws IllegalArgumentException when the stride does not fit the window, or the model reads sentence pairs and
     *                                  the mode is not {@code TRUNCATE}.
     */
    M withLongText(LongText mode, int stride);

    /**
     * A copy whose ONNX Runtime sessions use {@code n} intra-op threads (0: ONNX Runtime's choice); predictions are
     * the same.
     * @param n the thread count, from 0 to the machine's cores.
     * @return the new model.
     * @throws IllegalArgumentException when {@code n} is negative or more than the machine's cores.
     */
    M withThreads(int n);
}
