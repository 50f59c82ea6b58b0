/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dev-set choice of a sweep: the configuration with the highest mean dev accuracy of its deterministic model over
 * its repeats (ties: the lower mean dev NLL), and within it the run with the highest dev accuracy (ties: lower NLL,
 * then the earlier run).
 * <p>
 * It sees only {@link DevScore}s, built from the {@code "dev"} entry of each run's report, so no test metric can
 * influence it.
 *
 * @param bestConfig the chosen configuration's label.
 * @param bestRun the chosen run's configuration hash.
 * @param metric a description of the criterion.
 */
public record Selection(String bestConfig, String bestRun, String metric) {
    /** What selects. */
    public static final String CRITERION = "highest mean dev accuracy of the deterministic model (ties: lower dev NLL)";

    /**
     * A run's dev-set scores: all that selection sees.
     * @param configLabel the run's configuration.
     * @param hash the run's configuration hash.
     * @param accuracy dev accuracy of the deterministic model.
     * @param nll dev NLL of the deterministic model (NaN when not measured, e.g. cross-validation).
     */
    public record DevScore(String configLabel, String hash, double accuracy, double nll) {
        /**
         * Reads the scores from a run report's {@code "dev"} entry only.
         * @param report a run report.
         * @return the scores.
         */
        @SuppressWarnings("unchecked")
        static DevScore of(Map<String, Object> report) {
            Map<String, Object> dev = (Map<String, Object>) report.get(RunExecutor.DEV);
            Map<String, Object> det = dev == null ? null : (Map<String, Object>) dev.get("deterministic");
            return new DevScore((String) report.get("config_label"), (String) report.get("config_hash"),
                    number(det, "accuracy"), number(det, "nll"));
        }

        private static double number(Map<String, Object> m, String key) {
            Object v = m == null ? null : m.get(key);
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }

    /**
     * Selects among runs.
     * @param scores the runs' dev scores, in sweep order.
     * @return the selection, or null when there is no run with a dev accuracy.
     */
    public static Selection select(List<DevScore> scores) {
        Map<String, List<DevScore>> byConfig = new LinkedHashMap<>();
        for (DevScore s : scores) {
            if (!Double.isNaN(s.accuracy())) {
                byConfig.computeIfAbsent(s.configLabel(), k -> new ArrayList<>()).add(s);
            }
        }
        String best = null;
        double bestAcc = Double.NEGATIVE_INFINITY;
        double bestNll = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, List<DevScore>> e : byConfig.entrySet()) {
            double acc = e.getValue().stream().mapToDouble(DevScore::accuracy).average().orElse(Double.NaN);
            double nll = e.getValue().stream().mapToDouble(DevScore::nll).average().orElse(Double.NaN);
            if (better(acc, nll, bestAcc, bestNll)) {
                best = e.getKey();
                bestAcc = acc;
                bestNll = nll;
            }
        }
        if (best == null) {
            return null;
        }
        DevScore run = null;
        for (DevScore s : byConfig.get(best)) {
            if (run == null || better(s.accuracy(), s.nll(), run.accuracy(), run.nll())) {
                run = s;
            }
        }
        return new Selection(best, run.hash(), CRITERION);
    }

    private static boolean better(double acc, double nll, double bestAcc, double bestNll) {
        if (acc != bestAcc) {
            return acc > bestAcc;
        }
        double a = Double.isNaN(nll) ? Double.POSITIVE_INFINITY : nll;
        double b = Double.isNaN(bestNll) ? Double.POSITIVE_INFINITY : bestNll;
        return a < b;
    }
}
