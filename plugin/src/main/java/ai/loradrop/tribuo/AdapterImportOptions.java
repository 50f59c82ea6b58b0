/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.head.Pooling;
import ai.loradrop.tribuo.data.TextExamples;

import java.util.Objects;

/**
 * Settings of {@link LoraDropModel#fromAdapter(java.nio.file.Path, java.nio.file.Path, java.nio.file.Path,
 * java.util.List, int, AdapterImportOptions)} (and of the {@code fromAdapter} of {@link LoraDropMultiLabelModel} and
 * {@link LoraDropRegressionModel}) beyond the files, labels and length.
 *
 * @param textKey the example metadata key of the text.
 * @param pairKey the metadata key of the second text of a sentence pair, or null for single texts.
 * @param pooling the pooling for adapters without LoRA-Drop's sidecar (PEFT records none); an adapter written by
 *                LoRA-Drop always uses the pooling its sidecar records.
 * @param embedBaseModel whether the model's serialized form embeds the base encoder (else it references the file by
 *                       path and SHA-256).
 * @param threads ONNX Runtime intra-op threads (0: its default).
 * @param batchSize examples per ONNX Runtime call when predicting.
 * @param threshold the decision threshold of a multi-label import, in (0, 1); NaN (the default) for the threshold
 *                  the adapter's sidecar records, else {@link LoraDropMultiLabelTrainer}'s default {@code threshold}.
 *                  Other output types refuse a threshold.
 */
public record AdapterImportOptions(String textKey, String pairKey, Pooling pooling, boolean embedBaseModel, int threads,
                                   int batchSize, double threshold) {
    /**
     * Validates.
     * @param textKey the example metadata key of the text.
     * @param pairKey the metadata key of the second text of a sentence pair, or null for single texts.
     * @param pooling the pooling for adapters without LoRA-Drop's sidecar (PEFT records none); an adapter written by LoRA-Drop always uses the pooling its sidecar records.
     * @param embedBaseModel whether the model's serialized form embeds the base encoder (else it references the file by path and SHA-256).
     * @param threads ONNX Runtime intra-op threads (0: its default).
     * @param batchSize examples per ONNX Runtime call when predicting.
     * @param threshold the decision threshold of a multi-label import, in (0, 1), or NaN for the recorded or default one.
     */
    public AdapterImportOptions {
        if (!Double.isNaN(threshold) && !(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1), got " + threshold);
        }
        Objects.requireNonNull(textKey, "textKey");
        Objects.requireNonNull(pooling, "pooling");
        if (textKey.isBlank()) {
            throw new IllegalArgumentException("textKey must not be blank");
        }
        if (pairKey != null && (pairKey.isBlank() || pairKey.equals(textKey))) {
            throw new IllegalArgumentException("pairKey must be null or a key other than textKey '" + textKey + "', got '" + pairKey + "'");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be non-negative, got " + threads);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
    }

    /**
     * Single texts under {@value TextExamples#DEFAULT_TEXT_KEY}, MEAN pooling for sidecar-less adapters, base encoder
     * embedded, ONNX Runtime's default threads, batches of 32.
     * @return the defaults.
     */
    public static AdapterImportOptions defaults() {
        return new AdapterImportOptions(TextExamples.DEFAULT_TEXT_KEY, null, Pooling.MEAN, true, 0, 32, Double.NaN);
    }

    /**
     * A copy for sentence pairs.
     * @param key the metadata key of the second text, or null for single texts.
     * @return the copy.
     */
    public AdapterImportOptions withPairKey(String key) {
        return new AdapterImportOptions(textKey, key, pooling, embedBaseModel, threads, batchSize, threshold);
    }

    /**
     * A copy with another text key.
     * @param key the metadata key of the text.
     * @return the copy.
     */
    public AdapterImportOptions withTextKey(String key) {
        return new AdapterImportOptions(key, pairKey, pooling, embedBaseModel, threads, batchSize, threshold);
    }

    /**
     * A copy with another pooling for sidecar-less adapters.
     * @param p the pooling.
     * @return the copy.
     */
    public AdapterImportOptions withPooling(Pooling p) {
        return new AdapterImportOptions(textKey, pairKey, p, embedBaseModel, threads, batchSize, threshold);
    }

    /**
     * A copy that embeds (true) or references (false) the base encoder when serialized.
     * @param embed whether to embed.
     * @return the copy.
     */
    public AdapterImportOptions withBaseModelEmbedded(boolean embed) {
        return new AdapterImportOptions(textKey, pairKey, pooling, embed, threads, batchSize, threshold);
    }

    /**
     * A copy with another thread count.
     * @param n the ONNX Runtime intra-op threads (0: its default).
     * @return the copy.
     */
    public AdapterImportOptions withThreads(int n) {
        return new AdapterImportOptions(textKey, pairKey, pooling, embedBaseModel, n, batchSize, threshold);
    }

    /**
     * A copy with a multi-label decision threshold.
     * @param t the threshold, in (0, 1); NaN for the adapter's recorded one, else the trainer's default.
     * @return the copy.
     */
    public AdapterImportOptions withThreshold(double t) {
        return new AdapterImportOptions(textKey, pairKey, pooling, embedBaseModel, threads, batchSize, t);
    }
}
