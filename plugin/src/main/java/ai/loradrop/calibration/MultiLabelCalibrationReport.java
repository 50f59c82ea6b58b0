/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable calibration summary of multi-label predictions, produced by {@link MultiLabelCalibration}: the report
 * pooled over every (example, label) pair and one report per label, each a {@link CalibrationReport} whose
 * reliability table bins the predicted probability and whose "accuracy" columns are observed frequencies.
 *
 * @param labels    the label names, in column order.
 * @param pooled    the report over all {@code n·L} pairs; its {@code examples} counts pairs.
 * @param perLabel  one report per label, in the order of {@code labels}.
 * @param examples  the number of examples {@code n}.
 * @param threshold the decision threshold the accuracies used.
 */
public record MultiLabelCalibrationReport(List<String> labels, CalibrationReport pooled, List<CalibrationReport> perLabel,
                                          int examples, double threshold) implements Serializable {

    /**
     * Validates the report.
     *
     * @param labels    the label names.
     * @param pooled    the pooled report.
     * @param perLabel  the per-label reports.
     * @param examples  the number of examples.
     * @param threshold the threshold.
     */
    public MultiLabelCalibrationReport {
        labels = List.copyOf(labels);
        perLabel = List.copyOf(perLabel);
        Objects.requireNonNull(pooled, "pooled");
        if (labels.size() != perLabel.size()) {
            throw new IllegalArgumentException(labels.size() + " labels but " + perLabel.size() + " per-label reports");
        }
    }

    /**
     * The pooled ECE (the JSON report's {@code ece}).
     *
     * @return the ECE over all pairs.
     */
    public double ece() {
        return pooled.ece();
    }

    /**
     * The pooled Brier score (the JSON report's {@code brier}), {@code mean (p − y)²} over all pairs.
     *
     * @return the Brier score.
     */
    public double brier() {
        return pooled.brier();
    }

    /**
     * The unweighted mean of the per-label ECEs.
     *
     * @return the mean per-label ECE.
     */
    public double meanLabelEce() {
        return perLabel.stream().mapToDouble(CalibrationReport::ece).average().orElse(Double.NaN);
    }

    /**
     * The report of one label.
     *
     * @param label the label name.
     * @return its report.
     * @throws IllegalArgumentException if the label is unknown.
     */
    public CalibrationReport label(String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("Unknown label '" + label + "'; labels are " + labels);
        }
        return perLabel.get(i);
    }

    /**
     * The report as nested maps of plain values, ready for any JSON writer: {@code ece}, {@code brier} (pooled),
     * {@code mean_label_ece}, {@code examples}, {@code threshold}, {@code pooled} (the pooled report's
     * {@link CalibrationReport#toMap()}) and {@code per_label} (label name to its report's map).
     *
     * @return the map.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("ece", pooled.ece());
        map.put("brier", pooled.brier());
        map.put("mean_label_ece", meanLabelEce());
        map.put("examples", examples);
        map.put("threshold", threshold);
        map.put("pooled", pooled.toMap());
        Map<String, Object> labelMaps = new LinkedHashMap<>();
        for (int l = 0; l < labels.size(); l++) {
            labelMaps.put(labels.get(l), perLabel.get(l).toMap());
        }
        map.put("per_label", labelMaps);
        return map;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "MultiLabelCalibrationReport(n=%d, labels=%d, pooled ECE %.4f, Brier %.4f, "
                + "mean label ECE %.4f)", examples, labels.size(), pooled.ece(), pooled.brier(), meanLabelEce());
    }
}
