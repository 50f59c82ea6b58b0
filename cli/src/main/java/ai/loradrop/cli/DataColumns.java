/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.data.TextDataSource;
import ai.loradrop.tribuo.data.TextExamples;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The column options shared by the commands that read labelled data ({@code --text-column}, {@code --pair-column},
 * {@code --label-column}, {@code --weight-column}, {@code --id-column}) and the reading itself, through
 * {@link TextDataSource} (CSV, TSV or JSON lines by file extension).
 *
 * @param text   the text column.
 * @param pair   the column of the second text of a sentence pair, or null.
 * @param label  the label column.
 * @param weight the example-weight column, or null.
 * @param id     the id column, or null.
 */
record DataColumns(String text, String pair, String label, String weight, String id) {

    /** The valued options this record reads. */
    static final List<String> OPTIONS = List.of("--text-column", "--pair-column", "--label-column", "--weight-column", "--id-column");

    /** Help lines of the column options. */
    static final String HELP = String.join("\n",
            "Data (CSV, TSV or JSON lines, chosen by extension .csv/.tsv/.tab/.jsonl/.ndjson):",
            "  --text-column C          column holding the text [text]",
            "  --pair-column C          column holding the second text of a sentence pair",
            "  --label-column C         column holding the label [label]",
            "  --weight-column C        column holding a non-negative example weight",
            "  --id-column C            column holding an example id (used in messages)");

    /**
     * Checks, before any work, that a data file's format can be told from its extension.
     * @param a the options.
     * @param file the file, or null (nothing to check).
     * @throws UsageException naming the file and the extensions read.
     */
    static void checkFormat(Args a, Path file) {
        if (file == null) {
            return;
        }
        try {
            if (java.nio.file.Files.size(file) == 0) {
                throw a.error("The data file " + file + " is empty (0 bytes): it needs a header row naming the columns"
                        + " (CSV/TSV) or one JSON object per line, and at least one example");
            }
        } catch (java.io.IOException e) {
            throw a.error("Cannot read the data file " + file + ": " + e.getMessage());
        }
        if (UnlabelledTexts.Format.of(file) == null) {
            throw a.error("Cannot tell the format of " + file + " from its extension: loradrop reads .csv, .tsv/.tab"
                    + " and .jsonl/.ndjson files (rename or convert it; a .txt file of one text per line can become a"
                    + " .csv with a 'text' header)");
        }
    }

    /** Reads the options. */
    static DataColumns of(Args a) {
        return new DataColumns(a.value("--text-column", TextExamples.DEFAULT_TEXT_KEY), a.value("--pair-column", null),
                a.value("--label-column", "label"), a.value("--weight-column", null), a.value("--id-column", null));
    }

    /**
     * Reads a labelled file into a dataset.
     * @param file the file.
     * @param textKey the metadata key of the text.
     * @param pairKey the metadata key of the second text (used only with a pair column).
     * @return the dataset.
     */
    MutableDataset<Label> read(Path file, String textKey, String pairKey) {
        return new MutableDataset<>(builder(file, textKey, pairKey).build());
    }

    /**
     * Reads a file of the given task: labels joined by commas (or a JSON array) for multi-label, a number for
     * regression.
     * @param task the task (not classification: {@link #read} types those).
     * @param file the file.
     * @param textKey the metadata key of the text.
     * @param pairKey the metadata key of the second text.
     * @return the dataset.
     */
    MutableDataset<?> read(Task task, Path file, String textKey, String pairKey) {
        TextDataSource.Builder b = builder(file, textKey, pairKey);
        return switch (task) {
            case CLASSIFICATION -> new MutableDataset<>(b.build());
            case MULTILABEL -> new MutableDataset<>(b.buildMultiLabel());
            case REGRESSION -> new MutableDataset<>(b.buildRegression());
        };
    }

    private TextDataSource.Builder builder(Path file, String textKey, String pairKey) {
        TextDataSource.Builder b = TextDataSource.builder(file).textColumn(text).labelColumn(label)
                .textKey(textKey).pairKey(pairKey);
        if (pair != null) {
            b.pairColumn(pair);
        }
        if (weight != null) {
            b.weightColumn(weight);
        }
        if (id != null) {
            b.idColumn(id);
        }
        return b;
    }

    /** The columns for the report's settings. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text_column", text);
        m.put("pair_column", pair);
        m.put("label_column", label);
        m.put("weight_column", weight);
        m.put("id_column", id);
        return m;
    }
}
