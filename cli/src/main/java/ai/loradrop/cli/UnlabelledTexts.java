/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.tribuo.data.columnar.ColumnarIterator;
import org.tribuo.data.csv.CSVIterator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the texts to classify from a CSV, TSV or JSON-lines file that need not have labels ({@code predict --input}).
 * CSV and TSV go through Tribuo's {@link CSVIterator} (header row, RFC 4180 quoting); JSON lines hold one object per
 * line. Problems are reported with the file, data row and column.
 */
final class UnlabelledTexts {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private UnlabelledTexts() {}

    /**
     * One input row.
     * @param row the 1-based data row (header excluded).
     * @param id the id, or null without an id column.
     * @param text the text.
     * @param pair the second text, or null.
     */
    record Row(int row, String id, String text, String pair) {}

    /** The file formats by extension. */
    enum Format {
        CSV, TSV, JSONL;

        /** The format of a file name, or null when the extension is not one of ours. */
        static Format of(Path file) {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".csv")) {
                return CSV;
            } else if (n.endsWith(".tsv") || n.endsWith(".tab")) {
                return TSV;
            } else if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
                return JSONL;
            }
            return null;
        }
    }

    /**
     * Reads the rows.
     * @param file the file (.csv, .tsv/.tab, .jsonl/.ndjson).
     * @param textColumn the text column.
     * @param pairColumn the second-text column, or null.
     * @param idColumn the id column; when {@code idRequired} is false a missing id column just means no ids.
     * @param idRequired whether the id column must exist.
     * @return the rows, in file order.
     * @throws IllegalArgumentException naming the file and row when a column is missing or a text is empty.
     * @throws IOException when the file cannot be read.
     */
    static List<Row> read(Path file, String textColumn, String pairColumn, String idColumn, boolean idRequired) throws IOException {
        Format f = Format.of(file);
        if (f == null) {
            throw new IllegalArgumentException("Cannot tell the format of " + file + " from its extension"
                    + " (.csv, .tsv, .tab, .jsonl, .ndjson)");
        }
        List<Row> rows = f == Format.JSONL ? readJsonLines(file, textColumn, pairColumn, idColumn, idRequired)
                : readDelimited(file, f == Format.CSV ? ',' : '\t', textColumn, pairColumn, idColumn, idRequired);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no data rows");
        }
        return rows;
    }

    private static List<Row> readDelimited(Path file, char separator, String textColumn, String pairColumn, String idColumn,
                                           boolean idRequired) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file);
             CSVIterator it = new CSVIterator(reader, separator, CSVIterator.QUOTE)) {
            List<String> header = it.getFields();
            requireColumn(file, header, textColumn, "--text-column");
            if (pairColumn != null) {
                requireColumn(file, header, pairColumn, "--pair-column");
            }
            boolean hasId = idColumn != null && header.contains(idColumn);
            if (idRequired && !hasId) {
                requireColumn(file, header, idColumn, "--id-column");
            }
            int n = 0;
            while (it.hasNext()) {
                ColumnarIterator.Row r = it.next();
                n++;
                Map<String, String> values = r.getRowData();
                rows.add(new Row(n, hasId ? values.get(idColumn) : null, text(file, n, values.get(textColumn), textColumn),
                        pairColumn == null ? null : text(file, n, values.get(pairColumn), pairColumn)));
            }
        } catch (UncheckedIOException e) {
            throw new IOException("Cannot read " + file + ": " + e.getCause().getMessage(), e.getCause());
        } catch (IllegalStateException e) {
            // Tribuo's iterator reports rows with the wrong number of fields this way.
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return rows;
    }

    private static List<Row> readJsonLines(Path file, String textColumn, String pairColumn, String idColumn,
                                           boolean idRequired) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        int n = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            n++;
            JsonNode node;
            try {
                node = MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected a JSON object");
            }
            String id = idColumn == null ? null : scalar(node.get(idColumn));
            if (idRequired && id == null) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": no id under key '" + idColumn + "'");
            }
            rows.add(new Row(n, id, text(file, n, scalar(node.get(textColumn)), textColumn),
                    pairColumn == null ? null : text(file, n, scalar(node.get(pairColumn)), pairColumn)));
        }
        return rows;
    }

    private static String scalar(JsonNode v) {
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }

    private static void requireColumn(Path file, List<String> header, String column, String option) {
        if (!header.contains(column)) {
            throw new IllegalArgumentException(file + ": column '" + column + "' (" + option + ") not found; columns: " + header);
        }
    }

    private static String text(Path file, int row, String value, String column) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(file + ": data row " + row + " has no text in column '" + column + "'");
        }
        return value;
    }
}
