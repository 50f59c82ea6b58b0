/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.tribuo.OutputFactory;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A data source of labelled texts read from a CSV, TSV or JSON-lines file, producing text examples as
 * described in {@link TextExamples}: the text (and the optional second text of a sentence pair) in the
 * example metadata, the label from a column, and the single placeholder feature. Labels are stripped of
 * surrounding whitespace; an empty label is an error.
 * <p>
 * The settings, formats and errors are those of {@link AbstractTextDataSource}; its siblings
 * {@link MultiLabelTextDataSource} and {@link RegressionTextDataSource} read the same files with sets of
 * labels or numbers in the label column, and {@link Builder} builds all three.
 */
public final class TextDataSource extends AbstractTextDataSource<Label> {

    /**
     * The file formats the text data sources read.
     */
    public enum Format {
        /** RFC 4180 comma-separated values. */
        CSV,
        /** Tab-separated values. */
        TSV,
        /** JSON lines: one JSON object per line. */
        JSONL,
        /** Chosen by file extension: .csv, .tsv or .tab, .jsonl or .ndjson. */
        AUTO
    }

    private final LabelFactory outputFactory = new LabelFactory();

    /**
     * For OLCUT.
     */
    private TextDataSource() {}

    /**
     * Reads a file with the default columns: text in "text", label in "label", format chosen by extension,
     * CSV/TSV with a header.
     * @param path The data file.
     * @throws PropertyException If the file does not exist or its format cannot be inferred.
     * @throws TextDataFormatException If the file contents are invalid.
     * @throws UncheckedIOException If the file cannot be read.
     */
    public TextDataSource(Path path) {
        this(builder(path));
    }

    /**
     * Reads a file with the given text and label columns, format chosen by extension, CSV/TSV with a header.
     * @param path The data file.
     * @param textColumn The column holding the text.
     * @param labelColumn The column holding the label.
     * @throws PropertyException If the file does not exist, a column name is blank or the format cannot be inferred.
     * @throws TextDataFormatException If the file contents are invalid.
     * @throws UncheckedIOException If the file cannot be read.
     */
    public TextDataSource(Path path, String textColumn, String labelColumn) {
        this(builder(path).textColumn(textColumn).labelColumn(labelColumn));
    }

    private TextDataSource(Builder b) {
        super(b);
        postConfig();
    }

    /**
     * Starts building a source for a file; every setting not given keeps the default documented on its
     * builder method. {@link Builder#build()} reads classification data, {@link Builder#buildMultiLabel()} and
     * {@link Builder#buildRegression()} the other output types.
     * @param path The data file.
     * @return A builder.
     */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    @Override
    Label parseOutput(String cell, ErrorAt at) {
        if (cell.isBlank()) {
            throw at.error("missing label");
        }
        return outputFactory.generateOutput(cell.strip());
    }

    @Override
    public OutputFactory<Label> getOutputFactory() {
        return outputFactory;
    }

    /**
     * Builds a {@link TextDataSource} (or, with {@link #buildMultiLabel()} and {@link #buildRegression()}, its
     * siblings for the other output types); each setter documents its default.
     */
    public static final class Builder {
        final Path path;
        Format format = Format.AUTO;
        String textColumn = TextExamples.DEFAULT_TEXT_KEY;
        String pairColumn;
        String labelColumn = DEFAULT_LABEL_COLUMN;
        String weightColumn;
        String idColumn;
        String textKey = TextExamples.DEFAULT_TEXT_KEY;
        String pairKey = TextExamples.DEFAULT_PAIR_KEY;
        boolean header = true;
        boolean tsvQuoting = false;
        String dimensionName;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        /**
         * Sets the format (default {@link Format#AUTO}).
         * @param format The format.
         * @return This builder.
         */
        public Builder format(Format format) {
            this.format = format;
            return this;
        }

        /**
         * Sets the column holding the text (default "text").
         * @param column The column name or JSON key.
         * @return This builder.
         */
        public Builder textColumn(String column) {
            this.textColumn = column;
            return this;
        }

        /**
         * Sets the column holding the second text of a sentence pair (default none).
         * @param column The column name or JSON key, or null for single texts.
         * @return This builder.
         */
        public Builder pairColumn(String column) {
            this.pairColumn = column;
            return this;
        }

        /**
         * Sets the column holding the label (default "label").
         * @param column The column name or JSON key.
         * @return This builder.
         */
        public Builder labelColumn(String column) {
            this.labelColumn = column;
            return this;
        }

        /**
         * Sets the column holding example weights (default none: weight 1).
         * @param column The column name or JSON key, or null.
         * @return This builder.
         */
        public Builder weightColumn(String column) {
            this.weightColumn = column;
            return this;
        }

        /**
         * Sets the column holding example ids, stored under metadata key {@link TextExamples#ID_KEY} (default none).
         * @param column The column name or JSON key, or null.
         * @return This builder.
         */
        public Builder idColumn(String column) {
            this.idColumn = column;
            return this;
        }

        /**
         * Sets the metadata key for the text (default {@link TextExamples#DEFAULT_TEXT_KEY}).
         * @param key The metadata key.
         * @return This builder.
         */
        public Builder textKey(String key) {
            this.textKey = key;
            return this;
        }

        /**
         * Sets the metadata key for the second text (default {@link TextExamples#DEFAULT_PAIR_KEY}).
         * @param key The metadata key.
         * @return This builder.
         */
        public Builder pairKey(String key) {
            this.pairKey = key;
            return this;
        }

        /**
         * Sets whether a CSV or TSV file starts with a header (default true).
         * @param header True if the first record names the columns.
         * @return This builder.
         */
        public Builder header(boolean header) {
            this.header = header;
            return this;
        }

        /**
         * Sets whether TSV fields may be double-quoted RFC 4180 style (default false).
         * @param tsvQuoting True to honour quotes in TSV files.
         * @return This builder.
         */
        public Builder tsvQuoting(boolean tsvQuoting) {
            this.tsvQuoting = tsvQuoting;
            return this;
        }

        /**
         * Sets the name of the dimension of single-number regression targets, for {@link #buildRegression()} only
         * (default {@link org.tribuo.regression.Regressor#DEFAULT_NAME}).
         * @param name The dimension name.
         * @return This builder.
         */
        public Builder dimensionName(String name) {
            this.dimensionName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Validates the settings and reads the file.
         * @return The data source.
         * @throws PropertyException Naming the setting, if a setting is invalid or the file is missing.
         * @throws TextDataFormatException If the file contents are invalid.
         * @throws UncheckedIOException If the file cannot be read.
         */
        public TextDataSource build() {
            return new TextDataSource(this);
        }

        /**
         * Validates the settings and reads the file as multi-label data: the label column holds the labels
         * joined by commas (Tribuo's {@code MultiLabelFactory} form) or, in JSON lines, a JSON array of labels.
         * @return The multi-label data source.
         * @throws PropertyException Naming the setting, if a setting is invalid or the file is missing.
         * @throws TextDataFormatException If the file contents are invalid.
         * @throws UncheckedIOException If the file cannot be read.
         */
        public MultiLabelTextDataSource buildMultiLabel() {
            return new MultiLabelTextDataSource(this);
        }

        /**
         * Validates the settings and reads the file as regression data: the label column holds a number, or
         * {@code name=value} pairs joined by commas for several dimensions (Tribuo's {@code RegressionFactory} form).
         * @return The regression data source.
         * @throws PropertyException Naming the setting, if a setting is invalid or the file is missing.
         * @throws TextDataFormatException If the file contents are invalid.
         * @throws UncheckedIOException If the file cannot be read.
         */
        public RegressionTextDataSource buildRegression() {
            return new RegressionTextDataSource(this);
        }
    }
}
