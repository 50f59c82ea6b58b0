/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.tribuo.OutputFactory;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A data source of texts with numeric targets (Tribuo {@link Regressor} outputs) read from a CSV, TSV or
 * JSON-lines file; settings, formats and errors as in {@link AbstractTextDataSource}.
 * <p>
 * The label column holds either one number (a one-dimensional target named {@link #getDimensionName()}, by default
 * Tribuo's {@link Regressor#DEFAULT_NAME}) or {@code name=value} pairs joined by commas for several dimensions,
 * Tribuo's {@link RegressionFactory} form ({@code "valence=0.3,arousal=-1.2"}). Numbers are decimal
 * ({@code 3}, {@code -0.25}, {@code 1.5e3}) and finite; JSON numbers are read as they are written. Every row must
 * name the same dimensions; an empty cell, a value that is not a decimal number, NaN or infinity, a blank or
 * repeated dimension name, or a row whose dimensions differ from the first row's is an error naming the line.
 */
public final class RegressionTextDataSource extends AbstractTextDataSource<Regressor> {

    @Config(description = "Name of the regression dimension when the label column holds a single number.")
    private String dimensionName = Regressor.DEFAULT_NAME;

    private final RegressionFactory outputFactory = new RegressionFactory();

    /**
     * For OLCUT.
     */
    private RegressionTextDataSource() {}

    /**
     * Reads a file with the default columns: text in "text", target in "label", format chosen by extension,
     * CSV/TSV with a header.
     * @param path The data file.
     * @throws PropertyException If the file does not exist or its format cannot be inferred.
     * @throws TextDataFormatException If the file contents are invalid.
     * @throws UncheckedIOException If the file cannot be read.
     */
    public RegressionTextDataSource(Path path) {
        this(TextDataSource.builder(path));
    }

    /**
     * Reads a file with the settings of a builder (see {@link TextDataSource.Builder#buildRegression()}).
     * @param b The settings.
     */
    RegressionTextDataSource(TextDataSource.Builder b) {
        super(b);
        if (b.dimensionName != null) {
            this.dimensionName = b.dimensionName;
        }
        postConfig();
    }

    @Override
    public void postConfig() {
        if (dimensionName == null || dimensionName.isBlank()) {
            throw new PropertyException(name(), "dimensionName", "dimensionName must not be blank");
        }
        super.postConfig();
    }

    /**
     * The name given to the dimension of single-number targets.
     * @return The dimension name.
     */
    public String getDimensionName() {
        return dimensionName;
    }

    @Override
    Regressor parseOutput(String cell, ErrorAt at) {
        String s = cell.strip();
        if (s.isEmpty()) {
            throw at.error("missing target");
        }
        if (s.indexOf('=') < 0) {
            return new Regressor(dimensionName, number(s, cell, at));
        }
        Map<String, Double> dims = new LinkedHashMap<>();
        for (String part : s.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw at.error("'" + part.strip() + "' in '" + cell + "' is not name=value");
            }
            String name = part.substring(0, eq).strip();
            if (name.isEmpty()) {
                throw at.error("blank dimension name in '" + cell + "'");
            }
            if (dims.put(name, number(part.substring(eq + 1).strip(), cell, at)) != null) {
                throw at.error("dimension '" + name + "' is given twice in '" + cell + "'");
            }
        }
        return new Regressor(dims.keySet().toArray(new String[0]), dims.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double number(String s, String cell, ErrorAt at) {
        double value;
        try {
            value = new BigDecimal(s).doubleValue();
        } catch (NumberFormatException e) {
            throw at.error("target '" + cell + "' is not a decimal number");
        }
        if (!Double.isFinite(value)) {
            throw at.error("target '" + cell + "' is outside the range of a double");
        }
        return value;
    }

    @Override
    void checkOutputs(List<Regressor> outputs, List<ErrorAt> at) {
        String[] first = outputs.get(0).getNames();
        for (int i = 1; i < outputs.size(); i++) {
            String[] names = outputs.get(i).getNames();
            if (!Arrays.equals(first, names)) {
                throw at.get(i).error("dimensions " + Arrays.toString(names) + " differ from the first row's "
                        + Arrays.toString(first));
            }
        }
    }

    @Override
    public OutputFactory<Regressor> getOutputFactory() {
        return outputFactory;
    }
}
