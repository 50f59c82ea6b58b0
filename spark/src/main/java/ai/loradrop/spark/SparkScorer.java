/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.Uncertainty;
import ai.loradrop.tribuo.data.TextExamples;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.tribuo.Example;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Scores a DataFrame's text column (and pair column, for sentence-pair models) with a {@link ModelHandle}'s model,
 * inside each partition ({@code mapPartitions}): rows are taken {@link #batchRows()} at a time and predicted with one
 * {@link LoraDropModel#predict(Iterable)} call, which groups them by length into ONNX Runtime batches. The executor's
 * shared model serves every partition.
 * <p>
 * The result has the input's columns, unchanged and in order, followed by
 * <ul>
 *     <li>{@value #PREDICTION} (string): the most probable label;</li>
 *     <li>{@value #PROBABILITY} (double): its probability;</li>
 *     <li>{@value #TOP_K} (array of struct {@code label, probability}): the {@link #topK()} most probable labels, most
 *     probable first (ties by label);</li>
 *     <li>{@value #PROBABILITIES} (map label → double): the whole distribution, in the model's label order;</li>
 *     <li>for ensembles (K &gt; 1) {@value #ENTROPY}, {@value #MUTUAL_INFORMATION} and {@value #AGREEMENT} (doubles),
 *     as {@link Uncertainty} defines them.</li>
 * </ul>
 * Immutable and serializable.
 */
public final class SparkScorer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Column of the predicted label. */
    public static final String PREDICTION = "prediction";
    /** Column of the predicted label's probability. */
    public static final String PROBABILITY = "probability";
    /** Column of the top-k labels with their probabilities. */
    public static final String TOP_K = "top_k";
    /** Column of the whole distribution. */
    public static final String PROBABILITIES = "probabilities";
    /** Column of the predictive entropy (ensembles). */
    public static final String ENTROPY = "entropy";
    /** Column of the ensemble's mutual information (ensembles). */
    public static final String MUTUAL_INFORMATION = "mutual_information";
    /** Column of the ensemble members' agreement (ensembles). */
    public static final String AGREEMENT = "agreement";
    /** Every column the scorer adds. */
    public static final List<String> OUTPUT_COLUMNS = List.of(PREDICTION, PROBABILITY, TOP_K, PROBABILITIES, ENTROPY,
            MUTUAL_INFORMATION, AGREEMENT);

    /** The default text column. */
    public static final String DEFAULT_TEXT_COLUMN = TextExamples.DEFAULT_TEXT_KEY;
    /** The default number of rows per prediction call. */
    public static final int DEFAULT_BATCH_ROWS = 256;
    /** The default number of labels in {@value #TOP_K}. */
    public static final int DEFAULT_TOP_K = 3;

    /** The struct of one {@value #TOP_K} entry. */
    static final StructType TOP_K_ENTRY = new StructType()
            .add("label", DataTypes.StringType, false)
            .add("probability", DataTypes.DoubleType, false);

    private final String textColumn;
    private final String pairColumn;
    private final int batchRows;
    private final int topK;

    /**
     * Creates a scorer.
     * @param textColumn the column holding the texts.
     * @param pairColumn the column holding the second texts of sentence pairs, or null for single-text models.
     * @param batchRows rows per prediction call, at least 1.
     * @param topK labels in {@value #TOP_K}, at least 1.
     */
    public SparkScorer(String textColumn, String pairColumn, int batchRows, int topK) {
        this.textColumn = Objects.requireNonNull(textColumn, "textColumn");
        this.pairColumn = pairColumn;
        if (batchRows < 1) {
            throw new IllegalArgumentException("batchRows must be at least 1, got " + batchRows);
        }
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be at least 1, got " + topK);
        }
        this.batchRows = batchRows;
        this.topK = topK;
    }

    /**
     * A scorer of column {@value #DEFAULT_TEXT_COLUMN} with the default batch and top-k sizes.
     * @return the scorer.
     */
    public static SparkScorer defaults() {
        return new SparkScorer(DEFAULT_TEXT_COLUMN, null, DEFAULT_BATCH_ROWS, DEFAULT_TOP_K);
    }

    /**
     * The text column.
     * @return the column name.
     */
    public String textColumn() {
        return textColumn;
    }

    /**
     * The pair column.
     * @return the column name, or null.
     */
    public String pairColumn() {
        return pairColumn;
    }

    /**
     * Rows per prediction call.
     * @return the count.
     */
    public int batchRows() {
        return batchRows;
    }

    /**
     * Labels in {@value #TOP_K}.
     * @return k.
     */
    public int topK() {
        return topK;
    }

    /**
     * The schema of the scored DataFrame, after checking the input's: the text (and pair) column must exist and be
     * strings, the pair column must be given exactly for pair models, and no input column may carry an output
     * column's name.
     * @param input the input schema.
     * @param model the model.
     * @return the output schema.
     * @throws IllegalArgumentException naming the column, when a check fails.
     */
    public StructType outputSchema(StructType input, ModelHandle model) {
        List<String> names = Arrays.asList(input.fieldNames());
        requireString(input, textColumn, "text");
        if (model.isPairModel() && pairColumn == null) {
            throw new IllegalArgumentException("The model classifies sentence pairs; name the column of the second texts"
                    + " (pair column); the input has " + names);
        }
        if (!model.isPairModel() && pairColumn != null) {
            throw new IllegalArgumentException("The model classifies single texts, but a pair column '" + pairColumn
                    + "' was given");
        }
        if (pairColumn != null) {
            requireString(input, pairColumn, "pair");
        }
        for (String c : OUTPUT_COLUMNS) {
            if (names.contains(c)) {
                throw new IllegalArgumentException("The input already has a column '" + c + "', which scoring adds;"
                        + " rename or drop it first");
            }
        }
        StructType out = input
                .add(PREDICTION, DataTypes.StringType, false)
                .add(PROBABILITY, DataTypes.DoubleType, false)
                .add(TOP_K, DataTypes.createArrayType(TOP_K_ENTRY, false), false)
                .add(PROBABILITIES, DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false), false);
        if (model.ensembleSize() > 1) {
            out = out.add(ENTROPY, DataTypes.DoubleType, false)
                    .add(MUTUAL_INFORMATION, DataTypes.DoubleType, false)
                    .add(AGREEMENT, DataTypes.DoubleType, false);
        }
        return out;
    }

    private static void requireString(StructType schema, String column, String what) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(column)) {
            throw new IllegalArgumentException("The input has no " + what + " column '" + column + "'; its columns are "
                    + names);
        }
        StructField f = schema.apply(column);
        if (!f.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("The " + what + " column '" + column + "' holds " + f.dataType().simpleString()
                    + ", expected strings");
        }
    }

    /**
     * Scores a DataFrame (lazily: nothing runs until an action).
     * @param input the rows to score.
     * @param model the model.
     * @return the input's columns followed by the prediction columns.
     * @throws IllegalArgumentException when the input's schema does not fit (see {@link #outputSchema}).
     */
    public Dataset<Row> score(Dataset<Row> input, ModelHandle model) {
        StructType schema = outputSchema(input.schema(), model);
        int text = input.schema().fieldIndex(textColumn);
        int pair = pairColumn == null ? -1 : input.schema().fieldIndex(pairColumn);
        return input.mapPartitions(new ScorePartition(this, model, text, pair), Encoders.row(schema));
    }

    /** The partition function: scores its rows {@code batchRows} at a time. */
    private static final class ScorePartition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final SparkScorer scorer;
        private final ModelHandle model;
        private final int text;
        private final int pair;

        ScorePartition(SparkScorer scorer, ModelHandle model, int text, int pair) {
            this.scorer = scorer;
            this.model = model;
            this.text = text;
            this.pair = pair;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Scored(rows, model.model(), scorer, text, pair);
        }
    }

    /** A partition's scored rows, computed one batch ahead of the consumer. */
    private static final class Scored implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final LoraDropModel model;
        private final SparkScorer scorer;
        private final int text;
        private final int pair;
        private final List<String> labels;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private long seen;

        Scored(Iterator<Row> rows, LoraDropModel model, SparkScorer scorer, int text, int pair) {
            this.rows = rows;
            this.model = model;
            this.scorer = scorer;
            this.text = text;
            this.pair = pair;
            this.labels = new ArrayList<>(model.getOutputIDInfo().size());
            for (int i = 0; i < model.getOutputIDInfo().size(); i++) {
                labels.add(model.getOutputIDInfo().getOutput(i).getLabel());
            }
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && rows.hasNext()) {
                scoreBatch();
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void scoreBatch() {
            List<Row> batch = new ArrayList<>(scorer.batchRows);
            List<Example<Label>> examples = new ArrayList<>(scorer.batchRows);
            while (batch.size() < scorer.batchRows && rows.hasNext()) {
                Row r = rows.next();
                Map<String, Object> metadata = new HashMap<>(4);
                metadata.put(model.getTextKey(), textOf(r, text, scorer.textColumn));
                if (pair >= 0) {
                    metadata.put(model.getPairKey().orElseThrow(), textOf(r, pair, scorer.pairColumn));
                }
                examples.add(TextExamples.withMetadata(LabelFactory.UNKNOWN_LABEL, 1f, metadata));
                batch.add(r);
                seen++;
            }
            List<Prediction<Label>> predictions = model.predict(examples);
            for (int i = 0; i < batch.size(); i++) {
                ready.add(output(batch.get(i), predictions.get(i)));
            }
        }

        private String textOf(Row r, int column, String name) {
            if (r.isNullAt(column) || TextExamples.isBlankText(r.getString(column))) {
                throw new IllegalArgumentException("Row " + (seen + 1) + " of this partition has no text in column '" + name
                        + "': " + abbreviate(r.toString()));
            }
            return r.getString(column);
        }

        private Row output(Row in, Prediction<Label> p) {
            boolean ensemble = model.getEnsembleSize() > 1;
            Object[] values = new Object[in.length() + (ensemble ? 7 : 4)];
            for (int i = 0; i < in.length(); i++) {
                values[i] = in.get(i);
            }
            int j = in.length();
            Map<String, Label> scores = p.getOutputScores();
            Map<String, Double> dist = new LinkedHashMap<>(labels.size() * 2);
            for (String l : labels) {
                dist.put(l, scores.get(l).getScore());
            }
            List<Map.Entry<String, Double>> ranked = new ArrayList<>(dist.entrySet());
            ranked.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
            List<Row> top = new ArrayList<>(scorer.topK);
            for (int i = 0; i < Math.min(scorer.topK, ranked.size()); i++) {
                top.add(RowFactory.create(ranked.get(i).getKey(), ranked.get(i).getValue()));
            }
            values[j++] = p.getOutput().getLabel();
            values[j++] = p.getOutput().getScore();
            values[j++] = scala.jdk.javaapi.CollectionConverters.asScala(top).toSeq();
            values[j++] = scala.jdk.javaapi.CollectionConverters.asScala(dist);
            if (ensemble) {
                Uncertainty u = LoraDropModel.uncertainty(p);
                values[j++] = u.entropy();
                values[j++] = u.mutualInformation();
                values[j] = u.agreement();
            }
            return RowFactory.create(values);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
