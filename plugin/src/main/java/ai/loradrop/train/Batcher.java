/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.programs.Batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Groups examples into padded batches with length bucketing: examples of similar length share a batch, so padding
 * stays small, and lengths are rounded up to a multiple of {@link #PAD_MULTIPLE} so that ONNX Runtime sees few
 * distinct shapes and can reuse its memory plans.
 */
public final class Batcher {
    /** Sequence lengths are padded to a multiple of this. */
    public static final int PAD_MULTIPLE = 8;
    /** Bucketing sorts by length within windows of this many batches, keeping batches random across an epoch. */
    public static final int WINDOW_BATCHES = 50;
    /** The fewest rows of an inference batch (see {@link #toBatch}). */
    public static final int MIN_INFERENCE_ROWS = 2;

    private Batcher() {}

    /**
     * The batches of one training epoch: shuffle, sort by length within windows, cut into batches, shuffle batches.
     * @param examples the examples.
     * @param batchSize the batch size.
     * @param rng the epoch's random source.
     * @return index arrays, one per batch.
     */
    public static List<int[]> trainingBatches(List<EncodedExample> examples, int batchSize, SplittableRandom rng) {
        int n = examples.size();
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Integer t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int window = batchSize * WINDOW_BATCHES;
        for (int s = 0; s < n; s += window) {
            Arrays.sort(idx, s, Math.min(n, s + window), Comparator.comparingInt(i -> examples.get(i).length()));
        }
        List<int[]> batches = cut(idx, batchSize);
        for (int i = batches.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int[] t = batches.get(i);
            batches.set(i, batches.get(j));
            batches.set(j, t);
        }
        return batches;
    }

    /**
     * The padded length of an example of {@code length} tokens: rounded up to a multiple of {@link #PAD_MULTIPLE}.
     * @param length the example's length in tokens.
     * @return the padded length.
     */
    public static int paddedLength(int length) {
        return ((Math.max(1, length) + PAD_MULTIPLE - 1) / PAD_MULTIPLE) * PAD_MULTIPLE;
    }

    /**
     * Batches for inference, length-bucketed: examples sorted by length and grouped by {@link #paddedLength}, each
     * batch cut inside one bucket. Every example is therefore padded to its own padded length, whatever the other
     * examples of the call or the batch size, so its scores do not depend on its batch mates: ONNX Runtime computes
     * each row of a batch of a given padded length with the same float operations (verified for the deterministic and
     * the ensemble programs by {@code BucketedBatchingTest}). A call with many lengths makes a few more, smaller
     * batches than cutting across buckets would (at most one partial batch per bucket).
     * @param examples the examples.
     * @param batchSize the batch size.
     * @return index arrays, one per batch.
     */
    public static List<int[]> inferenceBatches(List<EncodedExample> examples, int batchSize) {
        Integer[] idx = new Integer[examples.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparingInt(i -> examples.get(i).length()));
        List<int[]> out = new ArrayList<>();
        int s = 0;
        while (s < idx.length) {
            int bucket = paddedLength(examples.get(idx[s]).length());
            int e = s;
            while (e < idx.length && paddedLength(examples.get(idx[e]).length()) == bucket) {
                e++;
            }
            out.addAll(cut(Arrays.copyOfRange(idx, s, e), batchSize));
            s = e;
        }
        return out;
    }

    private static List<int[]> cut(Integer[] idx, int batchSize) {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < idx.length; s += batchSize) {
            int e = Math.min(idx.length, s + batchSize);
            int[] b = new int[e - s];
            for (int i = s; i < e; i++) {
                b[i - s] = idx[i];
            }
            out.add(b);
        }
        return out;
    }

    /**
     * Pads selected examples into a batch. An inference batch ({@code withLabels} false) holds at least
     * {@link #MIN_INFERENCE_ROWS} rows: a single example is repeated, because ONNX Runtime computes a batch of one row
     * with other float operations than a larger one (its scores differ in the last bits); callers read the first
     * {@code indices.length} rows of the results.
     * @param examples the examples.
     * @param indices which examples, in batch order.
     * @param padId the padding token id.
     * @param withLabels whether targets (class indices, or the examples' float targets when they have them) and
     *                   weights are included (training).
     * @return the batch.
     */
    public static Batch toBatch(List<EncodedExample> examples, int[] indices, int padId, boolean withLabels) {
        if (!withLabels && indices.length < MIN_INFERENCE_ROWS) {
            int[] repeated = new int[MIN_INFERENCE_ROWS];
            Arrays.fill(repeated, indices[0]);
            indices = repeated;
        }
        int max = 1;
        for (int i : indices) {
            max = Math.max(max, examples.get(i).length());
        }
        int seq = paddedLength(max);
        int rows = indices.length;
        long[] ids = new long[rows * seq];
        long[] mask = new long[rows * seq];
        long[] types = new long[rows * seq];
        boolean floatTargets = withLabels && rows > 0 && examples.get(indices[0]).targets() != null;
        int outputs = floatTargets ? examples.get(indices[0]).targets().length : 0;
        long[] labels = withLabels && !floatTargets ? new long[rows] : null;
        float[] targets = floatTargets ? new float[rows * outputs] : null;
        float[] weights = withLabels ? new float[rows] : null;
        Arrays.fill(ids, padId);
        for (int r = 0; r < rows; r++) {
            EncodedExample e = examples.get(indices[r]);
            for (int t = 0; t < e.length(); t++) {
                ids[r * seq + t] = e.inputIds()[t];
                types[r * seq + t] = e.typeIds()[t];
                mask[r * seq + t] = 1;
            }
            if (withLabels) {
                if (floatTargets) {
                    if (e.targets() == null || e.targets().length != outputs) {
                        throw new IllegalArgumentException("Example " + indices[r] + " has " + (e.targets() == null ? "no"
                                : e.targets().length) + " targets, expected " + outputs);
                    }
                    System.arraycopy(e.targets(), 0, targets, r * outputs, outputs);
                } else {
                    if (e.label() < 0) {
                        throw new IllegalArgumentException("Example " + indices[r] + " has no label");
                    }
                    labels[r] = e.label();
                }
                weights[r] = e.weight();
            }
        }
        return new Batch(rows, seq, ids, mask, types, labels, weights, targets);
    }
}
