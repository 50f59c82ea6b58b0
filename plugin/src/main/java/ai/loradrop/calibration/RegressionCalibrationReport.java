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

/**
 * Immutable summary of Gaussian regression predictions, produced by {@link RegressionCalibration}.
 *
 * @param examples the number of examples.
 * @param dims     the number of output dimensions.
 * @param nll      the mean Gaussian negative log-likelihood per example (summed over dimensions), in nats.
 * @param levels   the central-interval levels, ascending.
 * @param coverage the coverage at each level.
 * @param rmse     the RMSE per dimension.
 * @param mae      the MAE per dimension.
 * @param r2       the R² per dimension.
 */
public record RegressionCalibrationReport(int examples, int dims, double nll, List<Double> levels, double[] coverage,
                                          double[] rmse, double[] mae, double[] r2) implements Serializable {

    /**
     * Copies the arrays.
     *
     * @param examples the number of examples.
     * @param dims     the number of dimensions.
     * @param nll      the NLL.
     * @param levels   the levels.
     * @param coverage the coverages.
     * @param rmse     the RMSEs.
     * @param mae      the MAEs.
     * @param r2       the R²s.
     */
    public RegressionCalibrationReport {
        levels = List.copyOf(levels);
        coverage = coverage.clone();
        rmse = rmse.clone();
        mae = mae.clone();
        r2 = r2.clone();
        if (coverage.length != levels.size() || rmse.length != dims || mae.length != dims || r2.length != dims) {
            throw new IllegalArgumentException("Array lengths do not match " + levels.size() + " levels and " + dims + " dimensions");
        }
    }

    /**
     * The coverage at one of the {@link #levels()}.
     *
     * @param level the level, e.g. 0.95.
     * @return the fraction of values inside the central interval.
     * @throws IllegalArgumentException if the level was not computed.
     */
    public double coverage(double level) {
        int i = levels.indexOf(level);
        if (i < 0) {
            throw new IllegalArgumentException("No coverage at level " + level + "; levels are " + levels);
        }
        return coverage[i];
    }

    /**
     * The RMSE averaged over dimensions (the JSON report's {@code rmse}).
     *
     * @return the mean RMSE.
     */
    public double meanRmse() {
        return mean(rmse);
    }

    /**
     * The MAE averaged over dimensions (the JSON report's {@code mae}).
     *
     * @return the mean MAE.
     */
    public double meanMae() {
        return mean(mae);
    }

    /**
     * The R² averaged over dimensions (the JSON report's {@code r2}).
     *
     * @return the mean R².
     */
    public double meanR2() {
        return mean(r2);
    }

    private static double mean(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s / values.length;
    }

    /**
     * The report's JSON keys: {@code rmse}, {@code mae}, {@code r2} (means over dimensions), {@code nll} and
     * {@code coverage} (an object keyed {@code "0.5"}, {@code "0.8"}, {@code "0.95"}), plus {@code examples} and
     * {@code dims}.
     *
     * @return the map of plain values.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("rmse", meanRmse());
        map.put("mae", meanMae());
        map.put("r2", meanR2());
        map.put("nll", nll);
        Map<String, Object> cov = new LinkedHashMap<>();
        for (int c = 0; c < levels.size(); c++) {
            cov.put(levelKey(levels.get(c)), coverage[c]);
        }
        map.put("coverage", cov);
        map.put("examples", examples);
        map.put("dims", dims);
        return map;
    }

    /**
     * The JSON key of a coverage level: the shortest decimal form, {@code "0.5"}, {@code "0.8"}, {@code "0.95"}.
     *
     * @param level the level.
     * @return the key.
     */
    public static String levelKey(double level) {
        return Double.toString(level);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegressionCalibrationReport r && examples == r.examples && dims == r.dims
                && Double.compare(nll, r.nll) == 0 && levels.equals(r.levels)
                && java.util.Arrays.equals(coverage, r.coverage) && java.util.Arrays.equals(rmse, r.rmse)
                && java.util.Arrays.equals(mae, r.mae) && java.util.Arrays.equals(r2, r.r2);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(examples, dims, nll, levels, java.util.Arrays.hashCode(coverage),
                java.util.Arrays.hashCode(rmse));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "RegressionCalibrationReport(n=%d, dims=%d, RMSE %.4f, MAE %.4f, R2 %.4f, NLL %.4f, coverage",
                examples, dims, meanRmse(), meanMae(), meanR2(), nll));
        for (int c = 0; c < levels.size(); c++) {
            sb.append(String.format(Locale.ROOT, " %s:%.3f", levelKey(levels.get(c)), coverage[c]));
        }
        return sb.append(')').toString();
    }
}
