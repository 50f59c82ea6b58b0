/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import ai.loradrop.io.Sha256;
import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.ConfigurableName;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.tribuo.ConfigurableDataSource;
import org.tribuo.Example;
import org.tribuo.OutputFactory;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * A data source of labelled texts read from a CSV, TSV or JSON-lines file, producing text examples as
 * described in {@link TextExamples}: the text (and the optional second text of a sentence pair) in the
 * example metadata, the label from a column, and the single placeholder feature.
 * <p>
 * The whole file is read, checked and converted when the source is constructed (or configured by OLCUT),
 * so every problem surfaces at once with the file and line it is on: bytes that are not UTF-8, broken
 * quoting, a missing column (the message lists the available ones), an empty or whitespace-only text,
 * a missing label or a bad weight. Labels are stripped of surrounding whitespace; texts are kept exactly
 * as they are in the file.
 * <p>
 * Formats:
 * <ul>
 *     <li>{@link Format#CSV}: RFC 4180, comma separated; double-quoted fields may contain commas, doubled
 *     quotes and line breaks.</li>
 *     <li>{@link Format#TSV}: tab separated, by default without quoting (IANA TSV: quotes are ordinary
 *     characters, fields cannot contain tabs or line breaks); set {@code tsvQuoting} for files written with
 *     RFC 4180 quoting and a tab separator (as pandas writes them).</li>
 *     <li>{@link Format#JSONL}: one JSON object per line; scalar values are read as text, null counts as
 *     absent.</li>
 * </ul>
 * Without a header (CSV and TSV only) columns are named by their 0-based position: "0", "1", ...
 * <p>
 * {@link #iterator()} returns copies of the examples, so changes made by a consumer never reach the
 * source or other consumers.
 */
public final class TextDataSource implements ConfigurableDataSource<Label> {

    private static final Logger logger = Logger.getLogger(TextDataSource.class.getName());

    /**
     * The file formats this source reads.
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

    @Config(mandatory = true, description = "Path to the data file, UTF-8 encoded.")
    private Path path;

    @Config(description = "File format: CSV, TSV, JSONL, or AUTO to choose by file extension (.csv, .tsv/.tab, .jsonl/.ndjson).")
    private Format format = Format.AUTO;

    @Config(description = "Column (JSON key) holding the text.")
    private String textColumn = TextExamples.DEFAULT_TEXT_KEY;

    @Config(description = "Column (JSON key) holding the second text of a sentence pair; unset for single texts.")
    private String pairColumn;

    @Config(description = "Column (JSON key) holding the label.")
    private String labelColumn = "label";

    @Config(description = "Column (JSON key) holding a non-negative example weight; unset for weight 1.")
    private String weightColumn;

    @Config(description = "Column (JSON key) holding an example id, stored in the metadata under 'id'; unset for none.")
    private String idColumn;

    @Config(description = "Metadata key under which the text is stored.")
    private String textKey = TextExamples.DEFAULT_TEXT_KEY;

    @Config(description = "Metadata key under which the second text of a pair is stored.")
    private String pairKey = TextExamples.DEFAULT_PAIR_KEY;

    @Config(description = "Whether the first record of a CSV or TSV file names the columns; if false columns are named 0, 1, ...")
    private boolean header = true;

    @Config(description = "Whether TSV fields may be double-quoted RFC 4180 style; if false quotes are ordinary characters.")
    private boolean tsvQuoting = false;

    @ConfigurableName
    private String configName;

    private final LabelFactory outputFactory = new LabelFactory();

    private Format resolvedFormat;
    private List<Example<Label>> examples;
    private TextDataSourceProvenance provenance;

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
        this.path = b.path;
        this.format = b.format;
        this.textColumn = b.textColumn;
        this.pairColumn = b.pairColumn;
        this.labelColumn = b.labelColumn;
        this.weightColumn = b.weightColumn;
        this.idColumn = b.idColumn;
        this.textKey = b.textKey;
        this.pairKey = b.pairKey;
        this.header = b.header;
        this.tsvQuoting = b.tsvQuoting;
        postConfig();
    }

    /**
     * Starts building a source for a file; every setting not given keeps the default documented on its
     * builder method.
     * @param path The data file.
     * @return A builder.
     */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /**
     * Validates the configuration and reads the file. Called by OLCUT after configuration and by the
     * constructors; not for other external use.
     * @throws PropertyException Naming the field, if the file is missing or unreadable, a column or key
     *                           name is blank, two settings clash, or the format cannot be inferred.
     * @throws TextDataFormatException If the file contents are invalid.
     * @throws UncheckedIOException If the file cannot be read.
     */
    @Override
    public void postConfig() {
        validateConfig();
        resolvedFormat = resolveFormat();
        load();
    }

    private String name() {
        return configName == null ? "" : configName;
    }

    private void validateConfig() {
        if (path == null) {
            throw new PropertyException(name(), "path", "the data file must be set");
        }
        if (!Files.exists(path)) {
            throw new PropertyException(name(), "path", "data file not found: " + path.toAbsolutePath());
        }
        if (!Files.isRegularFile(path)) {
            throw new PropertyException(name(), "path", "not a regular file: " + path.toAbsolutePath());
        }
        if (!Files.isReadable(path)) {
            throw new PropertyException(name(), "path", "data file not readable: " + path.toAbsolutePath());
        }
        if (format == null) {
            throw new PropertyException(name(), "format", "the format must be set (CSV, TSV, JSONL or AUTO)");
        }
        requireNonBlank("textColumn", textColumn);
        requireNonBlank("labelColumn", labelColumn);
        requireNonBlank("textKey", textKey);
        requireNonBlank("pairKey", pairKey);
        requireNullOrNonBlank("pairColumn", pairColumn);
        requireNullOrNonBlank("weightColumn", weightColumn);
        requireNullOrNonBlank("idColumn", idColumn);
        if (textColumn.equals(labelColumn)) {
            throw new PropertyException(name(), "labelColumn", "the text and the label cannot both come from column '" + textColumn + "'");
        }
        if (textColumn.equals(pairColumn)) {
            throw new PropertyException(name(), "pairColumn", "the text and the pair cannot both come from column '" + textColumn + "'");
        }
        if (pairColumn != null && textKey.equals(pairKey)) {
            throw new PropertyException(name(), "pairKey", "the text and the pair cannot both be stored under metadata key '" + textKey + "'");
        }
        if (idColumn != null && (textKey.equals(TextExamples.ID_KEY) || (pairColumn != null && pairKey.equals(TextExamples.ID_KEY)))) {
            throw new PropertyException(name(), textKey.equals(TextExamples.ID_KEY) ? "textKey" : "pairKey",
                    "metadata key '" + TextExamples.ID_KEY + "' is taken by the id column");
        }
    }

    private void requireNonBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new PropertyException(name(), field, field + " must not be blank");
        }
    }

    private void requireNullOrNonBlank(String field, String value) {
        if (value != null && value.isBlank()) {
            throw new PropertyException(name(), field, field + " must be unset or a column name, found a blank name");
        }
    }

    private Format resolveFormat() {
        if (format != Format.AUTO) {
            return format;
        }
        String fileName = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (fileName.endsWith(".csv")) {
            return Format.CSV;
        } else if (fileName.endsWith(".tsv") || fileName.endsWith(".tab")) {
            return Format.TSV;
        } else if (fileName.endsWith(".jsonl") || fileName.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        throw new PropertyException(name(), "format", "cannot infer the format of '" + path.getFileName()
                + "' from its extension (.csv, .tsv, .tab, .jsonl, .ndjson); set format to CSV, TSV or JSONL");
    }

    private void load() {
        byte[] bytes;
        OffsetDateTime modified;
        try {
            modified = OffsetDateTime.ofInstant(Instant.ofEpochMilli(Files.getLastModifiedTime(path).toMillis()), ZoneId.systemDefault());
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read " + path, e);
        }
        // Hash the very bytes that were parsed, so the provenance always describes the data actually loaded.
        String sha256 = Sha256.of(bytes);
        String content = StrictUtf8.decode(bytes, path);

        List<TextRecord> records;
        switch (resolvedFormat) {
            case CSV:
                records = parseDelimited(content, ',', true);
                break;
            case TSV:
                records = parseDelimited(content, '\t', tsvQuoting);
                break;
            case JSONL:
                records = JsonLinesParser.parse(content, path, configuredColumns().keySet());
                break;
            default:
                throw new IllegalStateException("Unresolved format " + resolvedFormat);
        }
        if (records.isEmpty()) {
            throw new TextDataFormatException(path, 0, "the file holds no data rows");
        }
        List<Example<Label>> loaded = new ArrayList<>(records.size());
        for (TextRecord record : records) {
            loaded.add(toExample(record));
        }
        examples = List.copyOf(loaded);
        provenance = new TextDataSourceProvenance(this, sha256, bytes.length, modified);
        logger.info(() -> String.format("Loaded %d examples from %s (%s, %d bytes)", examples.size(), path, resolvedFormat, bytes.length));
    }

    private List<TextRecord> parseDelimited(String content, char separator, boolean quoting) {
        DelimitedParser.Table table = DelimitedParser.parse(content, path, separator, quoting, header);
        for (Map.Entry<String, String> e : configuredColumns().entrySet()) {
            if (!table.header().contains(e.getKey())) {
                throw new TextDataFormatException(path, 1, "column '" + e.getKey() + "' (" + e.getValue()
                        + ") not found; available columns: " + table.header());
            }
        }
        return table.records();
    }

    /** The configured columns, mapped to the setting that names them. */
    private Map<String, String> configuredColumns() {
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put(textColumn, "textColumn");
        columns.put(labelColumn, "labelColumn");
        if (pairColumn != null) {
            columns.put(pairColumn, "pairColumn");
        }
        if (weightColumn != null) {
            columns.put(weightColumn, "weightColumn");
        }
        if (idColumn != null) {
            columns.put(idColumn, "idColumn");
        }
        return columns;
    }

    private Example<Label> toExample(TextRecord record) {
        Map<String, Object> metadata = new HashMap<>(8);
        metadata.put(textKey, requireText(record, textColumn, "textColumn", "text"));
        if (pairColumn != null) {
            metadata.put(pairKey, requireText(record, pairColumn, "pairColumn", "pair text"));
        }
        String label = record.values().get(labelColumn);
        if (label == null || label.isBlank()) {
            throw error(record, "missing label in column '" + labelColumn + "'");
        }
        float weight = Example.DEFAULT_WEIGHT;
        if (weightColumn != null) {
            weight = parseWeight(record, requireCell(record, weightColumn, "weightColumn"));
        }
        if (idColumn != null) {
            String id = requireCell(record, idColumn, "idColumn");
            if (id.isBlank()) {
                throw error(record, "empty id in column '" + idColumn + "'");
            }
            metadata.put(TextExamples.ID_KEY, id);
        }
        return TextExamples.withMetadata(outputFactory.generateOutput(label.strip()), weight, metadata);
    }

    private String requireCell(TextRecord record, String column, String setting) {
        String value = record.values().get(column);
        if (value == null) {
            // Only JSON lines get here: CSV/TSV columns were checked against the header.
            throw error(record, "key '" + column + "' (" + setting + ") is missing or null; keys on this line: " + record.columns());
        }
        return value;
    }

    private String requireText(TextRecord record, String column, String setting, String what) {
        String text = requireCell(record, column, setting);
        if (TextExamples.isBlankText(text)) {
            throw error(record, "empty or whitespace-only " + what + " in column '" + column + "'");
        }
        return text;
    }

    private float parseWeight(TextRecord record, String value) {
        float weight;
        try {
            weight = Float.parseFloat(value.strip());
        } catch (NumberFormatException e) {
            throw error(record, "weight '" + value + "' in column '" + weightColumn + "' is not a number");
        }
        if (!Float.isFinite(weight) || weight < 0) {
            throw error(record, "weight " + value + " in column '" + weightColumn + "' must be finite and non-negative");
        }
        return weight;
    }

    private TextDataFormatException error(TextRecord record, String detail) {
        return new TextDataFormatException(path, record.line(), "row " + record.row() + ": " + detail);
    }

    @Override
    public OutputFactory<Label> getOutputFactory() {
        return outputFactory;
    }

    /**
     * Returns an iterator over copies of the examples, in file order.
     * @return An iterator.
     */
    @Override
    public Iterator<Example<Label>> iterator() {
        Iterator<Example<Label>> it = examples.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Example<Label> next() {
                return it.next().copy();
            }
        };
    }

    @Override
    public TextDataSourceProvenance getProvenance() {
        return provenance;
    }

    /**
     * The number of examples read.
     * @return The number of examples.
     */
    public int size() {
        return examples.size();
    }

    /**
     * The data file.
     * @return The path as configured.
     */
    public Path getPath() {
        return path;
    }

    /**
     * The format the file was read as ({@link Format#AUTO} resolved by extension).
     * @return CSV, TSV or JSONL.
     */
    public Format getResolvedFormat() {
        return resolvedFormat;
    }

    /**
     * The metadata key holding each example's text.
     * @return The text key.
     */
    public String getTextKey() {
        return textKey;
    }

    /**
     * The metadata key holding each example's second text, if this source reads sentence pairs.
     * @return The pair key, or empty when no pair column is configured.
     */
    public Optional<String> getPairKey() {
        return pairColumn == null ? Optional.empty() : Optional.of(pairKey);
    }

    @Override
    public String toString() {
        return "TextDataSource(path=" + path + ",format=" + resolvedFormat + ",textColumn=" + textColumn
                + (pairColumn == null ? "" : ",pairColumn=" + pairColumn) + ",labelColumn=" + labelColumn
                + ",examples=" + (examples == null ? 0 : examples.size()) + ")";
    }

    /**
     * Builds a {@link TextDataSource}; each setter documents its default.
     */
    public static final class Builder {
        private final Path path;
        private Format format = Format.AUTO;
        private String textColumn = TextExamples.DEFAULT_TEXT_KEY;
        private String pairColumn;
        private String labelColumn = "label";
        private String weightColumn;
        private String idColumn;
        private String textKey = TextExamples.DEFAULT_TEXT_KEY;
        private String pairKey = TextExamples.DEFAULT_PAIR_KEY;
        private boolean header = true;
        private boolean tsvQuoting = false;

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
         * Validates the settings and reads the file.
         * @return The data source.
         * @throws PropertyException Naming the setting, if a setting is invalid or the file is missing.
         * @throws TextDataFormatException If the file contents are invalid.
         * @throws UncheckedIOException If the file cannot be read.
         */
        public TextDataSource build() {
            return new TextDataSource(this);
        }
    }
}
