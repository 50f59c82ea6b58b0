/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;

/**
 * The prediction-time options every LoRA-Drop model (classification, multi-label, regression) changes in a copy of
 * itself: the ONNX Runtime threads of its sessions, how it reads texts longer than its maximum length, and the form of
 * its deterministic program on an int8 base ({@link QuantizedMerge}). The trained parameters are untouched; a copy
 * has its own native sessions, to be closed separately.
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
     * How the deterministic (merged) prediction program treats the LoRA update of int8 layers
     * ({@link QuantizedMerge#DESCRIPTION}); also the form of the merged ONNX export.
     * @return the form (the trainer's {@code quantizedMerge}, or a copy's).
     */
    QuantizedMerge getQuantizedMerge();

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

    /**
     * A copy whose deterministic (merged) prediction program, and merged ONNX export, treat the LoRA update of int8
     * layers as {@code form} says: a float branch ({@link QuantizedMerge#BRANCH}, the trained function) or folded into
     * the weight and requantized ({@link QuantizedMerge#REQUANTIZE}). Predictions change slightly with REQUANTIZE on an
     * int8 base; on a float or 4-bit base, and for a dropout ensemble (its members keep branches for their masks),
     * they are the same.
     * @param form the form.
     * @return the new model.
     */
    M withQuantizedMerge(QuantizedMerge form);
}
