/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.programs.Batch;
import ai.loradrop.programs.EnsemblePredict;
import ai.loradrop.programs.Predict;
import ai.onnxruntime.OrtException;

import java.util.List;

/**
 * Runs a prediction program over many examples in length-sorted batches and returns results in input order.
 */
public final class BatchPredictor {
    private BatchPredictor() {}

    /**
     * Probabilities of the deterministic model.
     * @param program the program.
     * @param examples the examples.
     * @param batchSize the batch size.
     * @param padId the padding token id.
     * @return {@code [n][classes]}.
     * @throws OrtException when ONNX Runtime fails.
     */
    public static float[][] probabilities(Predict program, List<EncodedExample> examples, int batchSize, int padId)
            throws OrtException {
        float[][] out = new float[examples.size()][];
        for (int[] idx : Batcher.inferenceBatches(examples, batchSize)) {
            Batch b = Batcher.toBatch(examples, idx, padId, false);
            float[] p = program.probabilities(b);
            int c = p.length / b.rows();
            for (int r = 0; r < idx.length; r++) {
                out[idx[r]] = java.util.Arrays.copyOfRange(p, r * c, (r + 1) * c);
            }
        }
        return out;
    }

    /**
     * Ensemble probabilities: the mean and each member's.
     * @param program the ensemble program.
     * @param examples the examples.
     * @param batchSize the batch size (rows before repetition over members).
     * @param padId the padding token id.
     * @return {@code [n][members + 1][classes]}: index 0 is the mean, 1..K the members.
     * @throws OrtException when ONNX Runtime fails.
     */
    public static float[][][] ensemble(EnsemblePredict program, List<EncodedExample> examples, int batchSize, int padId)
            throws OrtException {
        float[][][] out = new float[examples.size()][][];
        for (int[] idx : Batcher.inferenceBatches(examples, batchSize)) {
            Batch b = Batcher.toBatch(examples, idx, padId, false);
            EnsemblePredict.Output o = program.predict(b);
            int c = o.classes();
            for (int r = 0; r < idx.length; r++) {
                float[][] row = new float[o.members() + 1][];
                row[0] = java.util.Arrays.copyOfRange(o.mean(), r * c, (r + 1) * c);
                for (int k = 0; k < o.members(); k++) {
                    row[k + 1] = java.util.Arrays.copyOfRange(o.memberProbabilities()[k], r * c, (r + 1) * c);
                }
                out[idx[r]] = row;
            }
        }
        return out;
    }
}
