/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;

import java.io.Serializable;
import java.util.Objects;

/**
 * The prediction-time settings of a LoRA-Drop model ({@link LoraDropModel}, {@link AbstractLoraDropModel}): how text is read and encoded and which options are on.
 *
 * @param maxLength tokens per example, special tokens included.
 * @param textKey the metadata key of the text.
 * @param pairKey the metadata key of the second text of a pair, or null for single texts.
 * @param ensembleSize the number of dropout-mask members K (1: the deterministic model).
 * @param ensembleSeed the seed of the members' masks.
 * @param temperature the temperature applied to the final distribution.
 * @param embedBaseModel whether serialization embeds the base encoder (else it references its file).
 * @param threads ONNX Runtime intra-op threads (0: its default).
 * @param batchSize examples per ONNX Runtime call.
 * @param longText what to do with texts longer than {@code maxLength}.
 * @param windowStride {@link LongText#WINDOWS} only: word pieces between the starts of two windows.
 * @param quantizedMerge how the deterministic program of an int8 base treats the LoRA update
 *                       ({@link QuantizedMerge#DESCRIPTION}); null (settings written before it existed) is
 *                       {@link QuantizedMerge#DEFAULT}.
 */
record ModelSettings(int maxLength, String textKey, String pairKey, int ensembleSize, long ensembleSeed,
                     double temperature, boolean embedBaseModel, int threads, int batchSize, LongText longText,
                     int windowStride, QuantizedMerge quantizedMerge) implements Serializable {
    /** The settings of models saved before long-text options existed: truncation. */
    ModelSettings(int maxLength, String textKey, String pairKey, int ensembleSize, long ensembleSeed,
                  double temperature, boolean embedBaseModel, int threads, int batchSize) {
        this(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, temperature, embedBaseModel, threads, batchSize,
                LongText.TRUNCATE, 64);
    }

    /** The settings of models saved before the int8 prediction form was a setting: {@link QuantizedMerge#DEFAULT}. */
    ModelSettings(int maxLength, String textKey, String pairKey, int ensembleSize, long ensembleSeed,
                  double temperature, boolean embedBaseModel, int threads, int batchSize, LongText longText,
                  int windowStride) {
        this(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, temperature, embedBaseModel, threads, batchSize,
                longText, windowStride, QuantizedMerge.DEFAULT);
    }

    ModelSettings {
        if (quantizedMerge == null) {
            quantizedMerge = QuantizedMerge.DEFAULT;
        }
        Objects.requireNonNull(longText, "longText");
        if (windowStride < 1) {
            throw new IllegalArgumentException("windowStride must be at least 1, got " + windowStride);
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be at least 2, got " + maxLength);
        }
        Objects.requireNonNull(textKey, "textKey");
        if (textKey.isBlank()) {
            throw new IllegalArgumentException("textKey must not be blank");
        }
        if (pairKey != null && pairKey.isBlank()) {
            pairKey = null;
        }
        if (ensembleSize < 1) {
            throw new IllegalArgumentException("ensembleSize must be at least 1, got " + ensembleSize);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be non-negative, got " + threads);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
    }

    ModelSettings withEnsemble(int k, long seed) {
        return new ModelSettings(maxLength, textKey, pairKey, k, seed, temperature, embedBaseModel, threads, batchSize,
                longText, windowStride, quantizedMerge);
    }

    ModelSettings withTemperature(double t) {
        return new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, t, embedBaseModel, threads, batchSize,
                longText, windowStride, quantizedMerge);
    }

    ModelSettings withLongText(LongText mode, int stride) {
        return new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, temperature, embedBaseModel,
                threads, batchSize, mode, stride, quantizedMerge);
    }

    ModelSettings withThreads(int n) {
        return new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, temperature, embedBaseModel, n, batchSize,
                longText, windowStride, quantizedMerge);
    }

    ModelSettings withEmbedBaseModel(boolean embed) {
        return new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, temperature, embed, threads, batchSize,
                longText, windowStride, quantizedMerge);
    }

    ModelSettings withQuantizedMerge(QuantizedMerge form) {
        return new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, temperature, embedBaseModel,
                threads, batchSize, longText, windowStride, Objects.requireNonNull(form, "quantizedMerge"));
    }
}
