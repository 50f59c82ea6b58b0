/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.Configurable;
import com.oracle.labs.mlrg.olcut.config.PropertyException;

import java.util.ArrayList;
import java.util.List;

/**
 * One axis of a {@link SweepGrid}: a trainer field and the values it takes (as OLCUT writes them: numbers, enum
 * names, booleans; lists comma-separated). In OLCUT XML:
 * <pre>{@code
 * <component name="dropout-axis" type="ai.loradrop.experiments.GridAxis">
 *   <property name="field" value="dropout"/>
 *   <propertylist name="values"><item>0.0</item><item>0.05</item><item>0.1</item></propertylist>
 * </component>
 * }</pre>
 */
public final class GridAxis implements Configurable {
    @Config(mandatory = true, description = "The LoraDropTrainer field this axis varies, e.g. dropout.")
    private String field;

    @Config(mandatory = true, description = "The values the field takes, in sweep order.")
    private List<String> values = new ArrayList<>();

    /** For OLCUT. */
    private GridAxis() {}

    /**
     * An axis.
     * @param field the trainer field.
     * @param values its values, in order.
     * @throws PropertyException when the field is blank or the values are empty or repeated.
     */
    public GridAxis(String field, List<String> values) {
        this.field = field;
        this.values = new ArrayList<>(values);
        postConfig();
    }

    /**
     * Checks the axis.
     * @throws PropertyException naming the field when it is blank or its values are empty or repeated.
     */
    @Override
    public void postConfig() {
        if (field == null || field.isBlank()) {
            throw new PropertyException("", "field", "must name a trainer field");
        }
        if (values == null || values.isEmpty()) {
            throw new PropertyException("", "values", "axis '" + field + "' has no values");
        }
        if (values.stream().distinct().count() != values.size()) {
            throw new PropertyException("", "values", "axis '" + field + "' repeats a value: " + values);
        }
        values = List.copyOf(values);
    }

    /**
     * The trainer field.
     * @return its name.
     */
    public String field() {
        return field;
    }

    /**
     * The values, in sweep order.
     * @return an unmodifiable list.
     */
    public List<String> values() {
        return values;
    }

    @Override
    public String toString() {
        return field + "=" + values;
    }
}
