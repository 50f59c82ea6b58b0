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
import org.tribuo.Output;

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
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The file reading shared by the text data sources of every Tribuo output type: texts (and the optional
 * second text of a sentence pair) read from a CSV, TSV or JSON-lines file into example metadata as
 * described in {@link TextExamples}, an output parsed from the label column, optional weights and ids.
 * <p>
 * The subclasses differ only in how the label column becomes an output:
 * {@link TextDataSource} (a class name, {@code Label}), {@link MultiLabelTextDataSource} (a set of labels,
 * {@code MultiLabel}) and {@link RegressionTextDataSource} (numbers, {@code Regressor}). Their settings,
 * formats, error messages and provenance are the same.
 * <p>
 * The whole file is read, checked and converted when the source is constructed (or configured by OLCUT),
 * so every problem surfaces at once with the file and line it is on: bytes that are not UTF-8, broken
 * quoting, a missing column (the message lists the available ones), an empty or whitespace-only text,
 * a missing or malformed label or a bad weight. Texts are kept exactly as they are in the file.
 * <p>
 * Formats:
 * <ul>
 *     <li>{@link TextDataSource.Format#CSV}: RFC 4180, comma separated; double-quoted fields may contain commas, doubled
 *     quotes and line breaks.</li>
 *     <li>{@link TextDataSource.Format#TSV}: tab separated, by default without quoting (IANA TSV: quotes are ordinary
 *     characters, fields cannot contain tabs or line breaks); set {@code tsvQuoting} for files written with
 *     RFC 4180 quoting and a tab separator (as pandas writes them).</li>
 *     <li>{@link TextDataSource.Format#JSONL}: one JSON object per line; scalar values are read as text, null counts as
 *     absent; sources whose labels are sets also accept a JSON array of strings in the label column.</li>
 * </ul>
 * Without a header (CSV and TSV only) columns are named by their 0-based position: "0", "1", ...
 * <p>
 * {@link #iterator()} returns copies of the examples, so changes made by a consumer never reach the
 * source or other consumers.
 * @param <T> The output type.
 */
public abstract class AbstractTextDataSource<T extends Output<T>> implements ConfigurableDataSource<T> {

    private static final Logger logger = Logger.getLogger(AbstractTextDataSource.class.getName());

    /** The default label column. */
    static final String DEFAULT_LABEL_COLUMN = "label";

    @Config(mandatory = true, description = "Path to the data file, UTF-8 encoded.")
    private Path path;

    @Config(description = "File format: CSV, TSV, JSONL, or AUTO to choose by file extension (.csv, .tsv/.tab, .jsonl/.ndjson).")
    private TextDataSource.Format format = TextDataSource.Format.AUTO;

    @Config(description = "Column (JSON key) holding the text.")
    private String textColumn = TextExamples.DEFAULT_TEXT_KEY;

    @Config(description = "Column (JSON key) holding the second text of a sentence pair; unset for single texts.")
    private String pairColumn;

    @Config(description = "Column (JSON key) holding the label (the output: a class, a set of labels or numbers, by source type).")
    private String labelColumn = DEFAULT_LABEL_COLUMN;

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

    private TextDataSource.Format resolvedFormat;
    private List<Example<T>> examples;
    private TextDataSourceProvenance provenance;

    /**
     * For OLCUT: the subclass's no-arg constructor, then OLCUT sets the fields and calls {@link #postConfig()}.
     */
    AbstractTextDataSource() {}

    /**
     * Copies the settings of a builder; the subclass constructor then calls {@link #postConfig()}.
     * @param b The settings.
     */
    AbstractTextDataSource(TextDataSource.Builder b) {
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
    }

    /**
     * Turns the label cell of one record into an output.
     * @param cell The label cell, never null (a missing cell is reported before this is called); JSON arrays
     *             arrive as their elements joined by commas (only if {@link #acceptsLabelArrays()}).
     * @param at Builds the error for this record from a description of the problem.
     * @return The output.
     * @throws TextDataFormatException If the cell is not a valid output for this source.
     */
    abstract T parseOutput(String cell, ErrorAt at);

    /**
     * Whether a JSON array of strings is accepted in the label column (joined by commas for {@link #parseOutput}).
     * @return True for set-valued outputs.
     */
    boolean acceptsLabelArrays() {
        return false;
    }

    /**
     * Called once every record has been parsed, to check properties of the whole file (the default checks nothing).
     * @param outputs The outputs in file order.
     * @param at The error builder for each output's record, in the same order.
     * @throws TextDataFormatException If the outputs are inconsistent.
     */
    void checkOutputs(List<T> outputs, List<ErrorAt> at) {}

    /**
     * Builds a {@link TextDataFormatException} naming the file, line and row of one record.
     */
    @FunctionalInterface
    interface ErrorAt {
        /**
         * The error.
         * @param detail What is wrong.
         * @return The exception to throw.
         */
        TextDataFormatException error(String detail);
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

    /**
     * The OLCUT name of this source, for error messages.
     * @return The name, or empty when not configured by OLCUT.
     */
    String name() {
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

    private TextDataSource.Format resolveFormat() {
        if (format != TextDataSource.Format.AUTO) {
            return format;
        }
        String fileName = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (fileName.endsWith(".csv")) {
            return TextDataSource.Format.CSV;
        } else if (fileName.endsWith(".tsv") || fileName.endsWith(".tab")) {
            return TextDataSource.Format.TSV;
        } else if (fileName.endsWith(".jsonl") || fileName.endsWith(".ndjson")) {
            return TextDataSource.Format.JSONL;
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
                records = JsonLinesParser.parse(content, path, configuredColumns().keySet(),
                        acceptsLabelArrays() ? Set.of(labelColumn) : Set.of());
                break;
            default:
                throw new IllegalStateException("Unresolved format " + resolvedFormat);
        }
        if (records.isEmpty()) {
            throw new TextDataFormatException(path, 0, "the file holds no data rows");
        }
        List<Example<T>> loaded = new ArrayList<>(records.size());
        List<T> outputs = new ArrayList<>(records.size());
        List<ErrorAt> errors = new ArrayList<>(records.size());
        for (TextRecord record : records) {
            Example<T> example = toExample(record);
            loaded.add(example);
            outputs.add(example.getOutput());
            errors.add(detail -> error(record, detail));
        }
        checkOutputs(List.copyOf(outputs), List.copyOf(errors));
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

    private Example<T> toExample(TextRecord record) {
        Map<String, Object> metadata = new HashMap<>(8);
        metadata.put(textKey, requireText(record, textColumn, "textColumn", "text"));
        if (pairColumn != null) {
            metadata.put(pairKey, requireText(record, pairColumn, "pairColumn", "pair text"));
        }
        String label = record.values().get(labelColumn);
        if (label == null) {
            throw error(record, "missing label in column '" + labelColumn + "'");
        }
        T output = parseOutput(label, detail -> error(record, detail + " in column '" + labelColumn + "'"));
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
        return TextExamples.withMetadata(output, weight, metadata);
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

    /**
     * Returns an iterator over copies of the examples, in file order.
     * @return An iterator.
     */
    @Override
    public Iterator<Example<T>> iterator() {
        Iterator<Example<T>> it = examples.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Example<T> next() {
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
     * The format the file was read as ({@link TextDataSource.Format#AUTO} resolved by extension).
     * @return CSV, TSV or JSONL.
     */
    public TextDataSource.Format getResolvedFormat() {
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
        return getClass().getSimpleName() + "(path=" + path + ",format=" + resolvedFormat + ",textColumn=" + textColumn
                + (pairColumn == null ? "" : ",pairColumn=" + pairColumn) + ",labelColumn=" + labelColumn
                + ",examples=" + (examples == null ? 0 : examples.size()) + ")";
    }
}
