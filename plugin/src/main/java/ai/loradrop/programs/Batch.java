/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

/**
 * A padded batch of encoded examples, row-major {@code [rows, seq]}.
 *
 * @param rows the number of examples.
 * @param seq the padded length.
 * @param inputIds the token ids.
 * @param attentionMask 1 for real tokens, 0 for padding.
 * @param tokenTypeIds the segment ids.
 * @param labels the class index per row (training a softmax head only, else null).
 * @param weights the example weight per row (training only, else null).
 * @param targets row-major {@code [rows, outputs]} float targets (training a sigmoid or regression head only, else null).
 */
public record Batch(int rows, int seq, long[] inputIds, long[] attentionMask, long[] tokenTypeIds, long[] labels,
                    float[] weights, float[] targets) {
    /**
     * Validates the sizes.
     * @param rows the number of examples.
     * @param seq the padded length.
     * @param inputIds the token ids.
     * @param attentionMask 1 for real tokens, 0 for padding.
     * @param tokenTypeIds the segment ids.
     * @param labels the class index per row (training a softmax head only, else null).
     * @param weights the example weight per row (training only, else null).
     * @param targets row-major {@code [rows, outputs]} float targets (training a sigmoid or regression head only, else null).
     */
    public Batch {
        int n = rows * seq;
        if (rows < 1 || seq < 1) {
            throw new IllegalArgumentException("A batch needs at least one row and one position, got " + rows + " x " + seq);
        }
        if (inputIds.length != n || attentionMask.length != n || tokenTypeIds.length != n) {
            throw new IllegalArgumentException("Batch arrays must hold rows*seq = " + n + " elements");
        }
        if (labels != null && labels.length != rows) {
            throw new IllegalArgumentException("labels must hold one entry per row");
        }
        if (weights != null && weights.length != rows) {
            throw new IllegalArgumentException("weights must hold one entry per row");
        }
        if (targets != null && (targets.length == 0 || targets.length % rows != 0)) {
            throw new IllegalArgumentException("targets must hold the same positive number of outputs per row, got "
                    + targets.length + " values for " + rows + " rows");
        }
    }

    /**
     * A batch with class indices (or no targets at all).
     * @param rows the number of examples.
     * @param seq the padded length.
     * @param inputIds the token ids.
     * @param attentionMask 1 for real tokens, 0 for padding.
     * @param tokenTypeIds the segment ids.
     * @param labels the class index per row (training only, else null).
     * @param weights the example weight per row (training only, else null).
     */
    public Batch(int rows, int seq, long[] inputIds, long[] attentionMask, long[] tokenTypeIds, long[] labels, float[] weights) {
        this(rows, seq, inputIds, attentionMask, tokenTypeIds, labels, weights, null);
    }

    /**
     * The batch repeated {@code times} times along the rows (for dropout instances and ensemble members).
     * @param times the number of copies.
     * @param weightScale factor applied to the weights of every copy.
     * @return the repeated batch.
     */
    public Batch repeat(int times, float weightScale) {
        if (times == 1 && weightScale == 1f) {
            return this;
        }
        int n = rows * seq;
        long[] ids = new long[n * times];
        long[] mask = new long[n * times];
        long[] types = new long[n * times];
        long[] lab = labels == null ? null : new long[rows * times];
        float[] w = weights == null ? null : new float[rows * times];
        float[] y = targets == null ? null : new float[targets.length * times];
        for (int t = 0; t < times; t++) {
            System.arraycopy(inputIds, 0, ids, t * n, n);
            System.arraycopy(attentionMask, 0, mask, t * n, n);
            System.arraycopy(tokenTypeIds, 0, types, t * n, n);
            if (lab != null) {
                System.arraycopy(labels, 0, lab, t * rows, rows);
            }
            if (y != null) {
                System.arraycopy(targets, 0, y, t * targets.length, targets.length);
            }
            if (w != null) {
                for (int i = 0; i < rows; i++) {
                    w[t * rows + i] = weights[i] * weightScale;
                }
            }
        }
        return new Batch(rows * times, seq, ids, mask, types, lab, w, y);
    }
}
