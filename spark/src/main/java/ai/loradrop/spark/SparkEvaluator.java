/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationMetrics;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Evaluates a model on a labelled DataFrame without collecting predictions to the driver: each partition sums its
 * confusion counts and calibration bins ({@link EvaluationTotals}), the sums are merged on the executors
 * ({@code treeReduce}) and only the merged totals reach the driver, which derives Tribuo's metrics and the
 * calibration report from them ({@link DistributedEvaluation}).
 */
public final class SparkEvaluator implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The default label column. */
    public static final String DEFAULT_LABEL_COLUMN = "label";

    private final String labelColumn;
    private final int bins;

    /**
     * Creates an evaluator.
     * @param labelColumn the column of the true labels (strings).
     * @param bins the number of calibration bins, at least 1 ({@link CalibrationMetrics#DEFAULT_BINS} by default).
     */
    public SparkEvaluator(String labelColumn, int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be at least 1, got " + bins);
        }
        this.labelColumn = labelColumn;
        this.bins = bins;
    }

    /**
     * An evaluator of column {@value #DEFAULT_LABEL_COLUMN} with {@link CalibrationMetrics#DEFAULT_BINS} bins.
     * @return the evaluator.
     */
    public static SparkEvaluator defaults() {
        return new SparkEvaluator(DEFAULT_LABEL_COLUMN, CalibrationMetrics.DEFAULT_BINS);
    }

    /**
     * Scores and evaluates in one pass (the scores are never stored).
     * @param input labelled rows with the scorer's text column.
     * @param scorer the scorer.
     * @param model the model.
     * @return the evaluation.
     */
    public DistributedEvaluation evaluate(Dataset<Row> input, SparkScorer scorer, ModelHandle model) {
        requireLabelColumn(input.schema());
        return evaluateScored(scorer.score(input, model), model.domain());
    }

    /**
     * Evaluates an already scored DataFrame (one with {@link SparkScorer}'s columns {@value SparkScorer#PREDICTION}
     * and {@value SparkScorer#PROBABILITIES}).
     * @param scored the scored rows with their true labels.
     * @param domain the model's label domain (its order is the order of the probability vectors).
     * @return the evaluation.
     * @throws IllegalArgumentException when a column is missing, or (from the job) a row's label is not in the domain.
     */
    public DistributedEvaluation evaluateScored(Dataset<Row> scored, ImmutableOutputInfo<Label> domain) {
        StructType schema = scored.schema();
        requireLabelColumn(schema);
        for (String c : List.of(SparkScorer.PREDICTION, SparkScorer.PROBABILITIES)) {
            if (!Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("The scored DataFrame has no column '" + c + "'; score it with SparkScorer first");
            }
        }
        String[] labels = new String[domain.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = domain.getOutput(i).getLabel();
        }
        Dataset<Row> needed = scored.select(functions.col(labelColumn), functions.col(SparkScorer.PREDICTION),
                functions.col(SparkScorer.PROBABILITIES));
        EvaluationTotals totals = needed.javaRDD()
                .mapPartitions(new SumPartition(labels, bins, labelColumn))
                .treeReduce(EvaluationTotals::merge);
        if (totals.calibration.examples() == 0) {
            throw new IllegalArgumentException("Nothing to evaluate: the DataFrame has no rows");
        }
        return new DistributedEvaluation(domain, totals);
    }

    private void requireLabelColumn(StructType schema) {
        if (!Arrays.asList(schema.fieldNames()).contains(labelColumn)) {
            throw new IllegalArgumentException("The input has no label column '" + labelColumn + "'; its columns are "
                    + Arrays.asList(schema.fieldNames()));
        }
        if (!schema.apply(labelColumn).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("The label column '" + labelColumn + "' holds "
                    + schema.apply(labelColumn).dataType().simpleString() + ", expected strings");
        }
    }

    /** Sums one partition. */
    private static final class SumPartition implements FlatMapFunction<Iterator<Row>, EvaluationTotals> {
        private static final long serialVersionUID = 1L;
        private final String[] labels;
        private final int bins;
        private final String labelColumn;

        SumPartition(String[] labels, int bins, String labelColumn) {
            this.labels = labels;
            this.bins = bins;
            this.labelColumn = labelColumn;
        }

        @Override
        public Iterator<EvaluationTotals> call(Iterator<Row> rows) {
            java.util.Map<String, Integer> ids = new java.util.HashMap<>();
            for (int i = 0; i < labels.length; i++) {
                ids.put(labels[i], i);
            }
            EvaluationTotals t = new EvaluationTotals(labels.length, bins);
            long n = 0;
            while (rows.hasNext()) {
                Row r = rows.next();
                n++;
                String truth = r.isNullAt(0) ? null : r.getString(0);
                Integer ti = truth == null ? null : ids.get(truth);
                if (ti == null) {
                    throw new IllegalArgumentException("Row " + n + " of this partition has label " + (truth == null ? "null"
                            : "'" + truth + "'") + " in column '" + labelColumn + "', which is not one of the model's "
                            + labels.length + " labels " + Arrays.asList(labels));
                }
                int predicted = ids.get(r.getString(1));
                scala.collection.Map<String, Object> dist = r.getMap(2);
                double[] p = new double[labels.length];
                for (int i = 0; i < labels.length; i++) {
                    p[i] = (Double) dist.apply(labels[i]);
                }
                t.add(ti, predicted, p, 1.0);
            }
            return List.of(t).iterator();
        }
    }
}
