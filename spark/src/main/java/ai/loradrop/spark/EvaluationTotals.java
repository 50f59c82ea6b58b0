/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationTotals;

import java.io.Serializable;

/**
 * The sums one partition (and, merged, the whole data set) contributes to an evaluation: the confusion counts
 * {@code [truth][predicted]} over the model's label ids and the {@link CalibrationTotals}. Only these travel from the
 * executors, never a prediction. Mutable.
 */
final class EvaluationTotals implements Serializable {
    private static final long serialVersionUID = 1L;

    final double[][] confusion;
    final CalibrationTotals calibration;

    EvaluationTotals(int classes, int bins) {
        this.confusion = new double[classes][classes];
        this.calibration = new CalibrationTotals(bins);
    }

    void add(int truth, int predicted, double[] probabilities, double weight) {
        confusion[truth][predicted] += weight;
        calibration.add(probabilities, truth, weight);
    }

    EvaluationTotals merge(EvaluationTotals other) {
        for (int t = 0; t < confusion.length; t++) {
            for (int p = 0; p < confusion.length; p++) {
                confusion[t][p] += other.confusion[t][p];
            }
        }
        calibration.merge(other.calibration);
        return this;
    }
}
