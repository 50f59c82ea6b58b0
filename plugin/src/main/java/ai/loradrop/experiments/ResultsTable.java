/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The results of a sweep by configuration: the mean and standard deviation over its repeats of each column, as a
 * Markdown table, CSV and JSON-ready maps. Columns are defined once in {@link #COLUMNS}.
 */
public final class ResultsTable {
    /**
     * A column: a value read from each run report.
     * @param key the column's key in CSV and JSON.
     * @param header the Markdown header.
     * @param path the keys leading to the value in a run report.
     * @param digits decimals shown in Markdown.
     */
    public record Column(String key, String header, List<String> path, int digits) {
        /**
         * The column's value in a run report.
         * @param report a run report.
         * @return the value, or NaN when absent.
         */
        @SuppressWarnings("unchecked")
        public double value(Map<String, Object> report) {
            Object v = report;
            for (String p : path) {
                if (!(v instanceof Map<?, ?> m)) {
                    return Double.NaN;
                }
                v = ((Map<String, Object>) m).get(p);
            }
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }

    /** The table's columns, in order. */
    public static final List<Column> COLUMNS = List.of(
            new Column("dev_accuracy", "dev acc.", List.of("dev", "deterministic", "accuracy"), 4),
            new Column("chosen_epoch", "epoch (dev)", List.of("epochs", "chosen_epoch"), 1),
            new Column("accuracy", "test acc.", List.of("deterministic", "accuracy"), 4),
            new Column("macro_f1", "macro-F1", List.of("deterministic", "macro_f1"), 4),
            new Column("ece", "ECE det.", List.of("deterministic", "ece"), 4),
            new Column("ece_tempered", "ECE det.+T", List.of("deterministic_tempered", "ece"), 4),
            new Column("ensemble_accuracy", "ens. acc.", List.of("ensemble", "accuracy"), 4),
            new Column("ensemble_ece", "ECE ens.", List.of("ensemble", "ece"), 4),
            new Column("ensemble_ece_tempered", "ECE ens.+T", List.of("ensemble_tempered", "ece"), 4),
            new Column("nll", "NLL det.", List.of("deterministic", "nll"), 4),
            new Column("ensemble_nll", "NLL ens.", List.of("ensemble", "nll"), 4),
            new Column("train_seconds", "train s", List.of("train_seconds"), 1));

    /**
     * One configuration's row.
     * @param configLabel the configuration.
     * @param settings its trainer settings.
     * @param runs the hashes of its runs.
     * @param seeds their seeds.
     * @param mean per column key, the mean over runs with a value (NaN for none).
     * @param std per column key, the sample standard deviation (0 for one run, NaN for none).
     * @param counts per column key, how many runs have a value.
     */
    public record Row(String configLabel, Map<String, String> settings, List<String> runs, List<Long> seeds,
                      Map<String, Double> mean, Map<String, Double> std, Map<String, Integer> counts) {}

    private final List<Row> rows;
    private final Selection selection;

    /**
     * Builds the table.
     * @param reports the run reports, in sweep order (null entries, unfinished runs, are skipped).
     * @param selection the dev-set selection, or null.
     */
    @SuppressWarnings("unchecked")
    public ResultsTable(List<Map<String, Object>> reports, Selection selection) {
        this.selection = selection;
        Map<String, List<Map<String, Object>>> byConfig = new LinkedHashMap<>();
        for (Map<String, Object> r : reports) {
            if (r != null) {
                byConfig.computeIfAbsent(String.valueOf(r.get("config_label")), k -> new ArrayList<>()).add(r);
            }
        }
        List<Row> out = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, Object>>> e : byConfig.entrySet()) {
            Map<String, Double> mean = new LinkedHashMap<>();
            Map<String, Double> std = new LinkedHashMap<>();
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (Column c : COLUMNS) {
                List<Double> xs = new ArrayList<>();
                e.getValue().forEach(r -> {
                    double v = c.value(r);
                    if (!Double.isNaN(v)) {
                        xs.add(v);
                    }
                });
                double m = xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
                double ss = 0;
                for (double x : xs) {
                    ss += (x - m) * (x - m);
                }
                mean.put(c.key(), m);
                std.put(c.key(), xs.isEmpty() ? Double.NaN : xs.size() == 1 ? 0 : Math.sqrt(ss / (xs.size() - 1)));
                counts.put(c.key(), xs.size());
            }
            List<String> runs = new ArrayList<>();
            List<Long> seeds = new ArrayList<>();
            e.getValue().forEach(r -> {
                runs.add(String.valueOf(r.get("config_hash")));
                seeds.add(r.get("seed") instanceof Number n ? n.longValue() : -1L);
            });
            Object settings = e.getValue().get(0).get("config");
            out.add(new Row(e.getKey(), settings instanceof Map<?, ?> m ? (Map<String, String>) m : Map.of(), runs, seeds,
                    mean, std, counts));
        }
        this.rows = List.copyOf(out);
    }

    /**
     * The rows, in grid order.
     * @return the rows.
     */
    public List<Row> rows() {
        return rows;
    }

    /** Columns with at least one value in some row. */
    private List<Column> present() {
        List<Column> cols = new ArrayList<>();
        for (Column c : COLUMNS) {
            if (rows.stream().anyMatch(r -> r.counts().get(c.key()) > 0)) {
                cols.add(c);
            }
        }
        return cols;
    }

    /**
     * The Markdown table: mean ± standard deviation over repeats; the dev-selected configuration in bold.
     * @return the Markdown text.
     */
    public String toMarkdown() {
        List<Column> cols = present();
        StringBuilder sb = new StringBuilder();
        sb.append("| configuration | runs |");
        cols.forEach(c -> sb.append(' ').append(c.header()).append(" |"));
        sb.append('\n').append("|---|---|");
        cols.forEach(c -> sb.append("---|"));
        sb.append('\n');
        for (Row r : rows) {
            boolean best = selection != null && selection.bestConfig().equals(r.configLabel());
            sb.append("| ").append(best ? "**" + r.configLabel() + "** (dev choice)" : r.configLabel()).append(" | ")
                    .append(r.runs().size()).append(" |");
            for (Column c : cols) {
                sb.append(' ').append(meanStd(r, c)).append(" |");
            }
            sb.append('\n');
        }
        if (selection != null) {
            sb.append('\n').append("Selected on the dev set: ").append(selection.bestConfig()).append(" (")
                    .append(selection.metric()).append("); best run ").append(selection.bestRun()).append('\n');
        }
        return sb.toString();
    }

    private static String meanStd(Row r, Column c) {
        double m = r.mean().get(c.key());
        if (Double.isNaN(m)) {
            return "";
        }
        String f = "%." + c.digits() + "f";
        String s = String.format(Locale.ROOT, f, m);
        if (r.counts().get(c.key()) > 1) {
            s += " ± " + String.format(Locale.ROOT, f, r.std().get(c.key()));
        }
        return s;
    }

    /**
     * The CSV: one row per configuration, a mean and a std column per metric, and one column per trainer setting.
     * @return the CSV text (RFC 4180 quoting).
     */
    public String toCsv() {
        List<String> settingKeys = new ArrayList<>();
        rows.forEach(r -> r.settings().keySet().forEach(k -> {
            if (!settingKeys.contains(k)) {
                settingKeys.add(k);
            }
        }));
        StringBuilder sb = new StringBuilder();
        StringJoiner h = new StringJoiner(",");
        h.add("configuration").add("runs").add("seeds").add("selected");
        settingKeys.forEach(h::add);
        for (Column c : COLUMNS) {
            h.add(c.key() + "_mean").add(c.key() + "_std");
        }
        sb.append(h).append('\n');
        for (Row r : rows) {
            StringJoiner j = new StringJoiner(",");
            j.add(csv(r.configLabel())).add(Integer.toString(r.runs().size()))
                    .add(csv(r.seeds().toString().replaceAll("[\\[\\] ]", "").replace(',', ' ')))
                    .add(Boolean.toString(selection != null && selection.bestConfig().equals(r.configLabel())));
            settingKeys.forEach(k -> j.add(csv(r.settings().getOrDefault(k, ""))));
            for (Column c : COLUMNS) {
                j.add(num(r.mean().get(c.key()))).add(num(r.std().get(c.key())));
            }
            sb.append(j).append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static String csv(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    /**
     * The table as JSON-ready maps: per configuration its settings, runs and {@code {mean, std, n}} per column.
     * @return an ordered map.
     */
    public Map<String, Object> toMap() {
        List<Object> configs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("configuration", r.configLabel());
            m.put("settings", r.settings());
            m.put("runs", r.runs());
            m.put("seeds", r.seeds());
            Map<String, Object> metrics = new LinkedHashMap<>();
            for (Column c : COLUMNS) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("mean", VariantMetrics.finite(r.mean().get(c.key())));
                v.put("std", VariantMetrics.finite(r.std().get(c.key())));
                v.put("n", r.counts().get(c.key()));
                metrics.put(c.key(), v);
            }
            m.put("metrics", metrics);
            configs.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("configurations", configs);
        out.put("selection", selection == null ? null : Map.of("configuration", selection.bestConfig(),
                "run", selection.bestRun(), "criterion", selection.metric()));
        return out;
    }
}
