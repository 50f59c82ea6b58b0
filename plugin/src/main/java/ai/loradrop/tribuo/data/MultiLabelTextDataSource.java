/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.tribuo.OutputFactory;
import org.tribuo.classification.Label;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.MultiLabelFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A data source of texts with sets of labels (Tribuo {@link MultiLabel} outputs) read from a CSV, TSV or
 * JSON-lines file; settings, formats and errors as in {@link AbstractTextDataSource}.
 * <p>
 * The label column holds the labels joined by commas, Tribuo's {@link MultiLabelFactory} form
 * ({@code "sports,politics"}); in JSON lines it may also hold a JSON array of strings
 * ({@code ["sports","politics"]}). Each label is stripped of surrounding whitespace. An empty cell (or an empty
 * array) is an example with no labels, which is a valid multi-label target (every label negative); an empty
 * label between commas ({@code "a,,b"}, {@code "a,"}) or a label listed twice is an error naming the line.
 * Label names cannot contain commas.
 */
public final class MultiLabelTextDataSource extends AbstractTextDataSource<MultiLabel> {

    private final MultiLabelFactory outputFactory = new MultiLabelFactory();

    /**
     * For OLCUT.
     */
    private MultiLabelTextDataSource() {}

    /**
     * Reads a file with the default columns: text in "text", labels in "label", format chosen by extension,
     * CSV/TSV with a header.
     * @param path The data file.
     * @throws PropertyException If the file does not exist or its format cannot be inferred.
     * @throws TextDataFormatException If the file contents are invalid.
     * @throws UncheckedIOException If the file cannot be read.
     */
    public MultiLabelTextDataSource(Path path) {
        this(TextDataSource.builder(path));
    }

    /**
     * Reads a file with the settings of a builder (see {@link TextDataSource.Builder#buildMultiLabel()}).
     * @param b The settings.
     */
    MultiLabelTextDataSource(TextDataSource.Builder b) {
        super(b);
        postConfig();
    }

    @Override
    boolean acceptsLabelArrays() {
        return true;
    }

    @Override
    MultiLabel parseOutput(String cell, ErrorAt at) {
        return parse(cell, at);
    }

    /**
     * Parses labels joined by commas, strictly.
     * @param cell The cell.
     * @param at Builds the error.
     * @return The label set, empty for a blank cell.
     */
    static MultiLabel parse(String cell, ErrorAt at) {
        Set<Label> labels = new LinkedHashSet<>();
        if (!cell.isBlank()) {
            for (String part : cell.split(",", -1)) {
                String name = part.strip();
                if (name.isEmpty()) {
                    throw at.error("empty label in '" + cell + "' (labels are joined by single commas)");
                }
                if (!labels.add(new Label(name))) {
                    throw at.error("label '" + name + "' is listed twice in '" + cell + "'");
                }
            }
        }
        return new MultiLabel(labels);
    }

    @Override
    public OutputFactory<MultiLabel> getOutputFactory() {
        return outputFactory;
    }
}
