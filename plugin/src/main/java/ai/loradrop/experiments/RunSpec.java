/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import java.util.Map;
import java.util.StringJoiner;

/**
 * One run of a sweep: a configuration (trainer settings) and a seed.
 *
 * @param index       the run's position in the sweep (0-based).
 * @param configIndex the configuration's position in the grid (0-based).
 * @param settings    every trainer setting of the configuration: fixed ones and the axis values, without the seed.
 * @param axisValues  the axis values only, in axis order (what tells configurations apart).
 * @param seed        the trainer seed of this repeat.
 */
public record RunSpec(int index, int configIndex, Map<String, String> settings, Map<String, String> axisValues, long seed) {
    /**
     * Copies the maps.
     * @param index the run's position in the sweep.
     * @param configIndex the configuration's position in the grid.
     * @param settings every trainer setting of the configuration.
     * @param axisValues the axis values.
     * @param seed the trainer seed.
     */
    public RunSpec {
        settings = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
        axisValues = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(axisValues));
    }

    /**
     * The configuration's label: its axis values, e.g. {@code dropoutMode=SPARSE dropout=0.1} ({@code base} without axes).
     * @return the label.
     */
    public String configLabel() {
        if (axisValues.isEmpty()) {
            return "base";
        }
        StringJoiner j = new StringJoiner(" ");
        axisValues.forEach((k, v) -> j.add(k + "=" + v));
        return j.toString();
    }

    /**
     * The run's label: the configuration's and the seed.
     * @return the label.
     */
    public String label() {
        return configLabel() + " seed=" + seed;
    }
}
