/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable calibration summary of a set of probabilistic predictions, produced by {@link CalibrationMetrics}.
 * <p>
 * All averages are weighted means over examples when example weights were given, plain means otherwise.
 *
 * @param ece         top-label expected calibration error {@code Σ_b W_b/W · |acc_b − conf_b|}.
 * @param mce         maximum calibration error {@code max_b |acc_b − conf_b|} over non-empty bins.
 * @param brier       multi-class Brier score, the mean of {@code Σ_k (p_k − y_k)²}, in [0, 2].
 * @param nll         mean negative log-likelihood {@code −log max(p_true, }{@link CalibrationMetrics#PROBABILITY_FLOOR}{@code )}.
 * @param accuracy    fraction of examples whose most probable class is the true class.
 * @param examples    the number of examples.
 * @param reliability the per-bin statistics the ECE and MCE were computed from.
 */
public record CalibrationReport(double ece, double mce, double brier, double nll, double accuracy, int examples,
                                ReliabilityTable reliability) implements Serializable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Validates the report.
     *
     * @param ece         the ECE.
     * @param mce         the MCE.
     * @param brier       the Brier score.
     * @param nll         the NLL.
     * @param accuracy    the accuracy.
     * @param examples    the number of examples.
     * @param reliability the reliability table.
     */
    public CalibrationReport {
        Objects.requireNonNull(reliability, "reliability");
        if (examples <= 0) {
            throw new IllegalArgumentException("A calibration report needs at least one example, got " + examples);
        }
    }

    /**
     * Returns the number of confidence bins.
     *
     * @return the number of bins.
     */
    public int numBins() {
        return reliability.numBins();
    }

    /**
     * Returns the report as nested maps and lists of plain values, ready for any JSON writer: keys {@code ece},
     * {@code mce}, {@code brier}, {@code nll}, {@code accuracy}, {@code examples} and {@code bins}, the latter a
     * list of maps with keys {@code lower}, {@code upper}, {@code count}, {@code weight}, {@code meanConfidence},
     * {@code accuracy}, {@code gap}. Undefined values (the statistics of empty bins) are {@code null}, since JSON
     * has no NaN.
     *
     * @return an unmodifiable, insertion-ordered map.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("ece", finiteOrNull(ece));
        map.put("mce", finiteOrNull(mce));
        map.put("brier", finiteOrNull(brier));
        map.put("nll", finiteOrNull(nll));
        map.put("accuracy", finiteOrNull(accuracy));
        map.put("examples", examples);
        List<Map<String, Object>> bins = new ArrayList<>(reliability.numBins());
        for (ReliabilityTable.Bin bin : reliability.bins()) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("lower", bin.lower());
            b.put("upper", bin.upper());
            b.put("count", bin.count());
            b.put("weight", bin.weight());
            b.put("meanConfidence", finiteOrNull(bin.meanConfidence()));
            b.put("accuracy", finiteOrNull(bin.accuracy()));
            b.put("gap", finiteOrNull(bin.gap()));
            bins.add(Collections.unmodifiableMap(b));
        }
        map.put("bins", Collections.unmodifiableList(bins));
        return Collections.unmodifiableMap(map);
    }

    /**
     * Returns {@link #toMap()} as a compact JSON object.
     *
     * @return the JSON text.
     */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            // Only plain maps, lists, numbers and nulls are written, so this cannot happen.
            throw new UncheckedIOException("Failed to write calibration report as JSON", e);
        }
    }

    /**
     * Returns a readable multi-line summary: the scalar metrics followed by the reliability table.
     *
     * @return the formatted report.
     */
    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "Calibration over %d examples, %d bins: ECE %.4f, MCE %.4f, Brier %.4f, NLL %.4f, accuracy %.4f%n",
                examples, numBins(), ece, mce, brier, nll, accuracy) + formatBins(reliability);
    }

    /**
     * Formats a reliability table as aligned text, one row per bin.
     *
     * @param table the table.
     * @return the formatted table.
     */
    static String formatBins(ReliabilityTable table) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%4s  %-15s %8s %8s %8s %8s%n", "bin", "confidence", "count",
                "mean", "accuracy", "gap"));
        for (int b = 0; b < table.numBins(); b++) {
            ReliabilityTable.Bin bin = table.bin(b);
            String range = String.format(Locale.ROOT, "%s%.3f, %.3f]", b == 0 ? "[" : "(", bin.lower(), bin.upper());
            if (bin.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "%4d  %-15s %8d %8s %8s %8s%n", b, range, bin.count(),
                        "-", "-", "-"));
            } else {
                sb.append(String.format(Locale.ROOT, "%4d  %-15s %8d %8.4f %8.4f %+8.4f%n", b, range, bin.count(),
                        bin.meanConfidence(), bin.accuracy(), bin.gap()));
            }
        }
        return sb.toString();
    }

    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
