/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.junit.jupiter.api.Test;
import org.tribuo.Prediction;
import org.tribuo.impl.ArrayExample;
import org.tribuo.regression.Regressor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gaussian interval coverage, NLL, point metrics and the variance scale against values worked out by hand.
 */
class RegressionCalibrationTest {

    // Standardised residuals |y - mu| / sigma of 0.5, 1.0, 1.5 and 2.5.
    private static final double[] MEAN = {0, 0, 0, 0};
    private static final double[] VAR = {1, 1, 4, 1};
    private static final double[] Y = {0.5, -1.0, 3.0, 2.5};

    @Test
    void normalQuantilesMatchReferenceValues() {
        // Reference values: Python's statistics.NormalDist().inv_cdf (also AS 241).
        assertEquals(0.6744897501960817, Gaussian.centralHalfWidth(0.5), 1e-15);
        assertEquals(1.2815515655446008, Gaussian.centralHalfWidth(0.8), 1e-14);
        assertEquals(1.9599639845400536, Gaussian.centralHalfWidth(0.95), 1e-14);
        assertEquals(-3.090232306167813, Gaussian.quantile(0.001), 1e-14);
        assertEquals(-6.361340902404056, Gaussian.quantile(1e-10), 1e-13);
        assertEquals(-37.0470962993612, Gaussian.quantile(1e-300), 1e-11);
        assertEquals(-0.5244005127080407, Gaussian.quantile(0.3), 1e-15);
        assertEquals(0.0, Gaussian.quantile(0.5), 0);
        assertThrows(IllegalArgumentException.class, () -> Gaussian.quantile(1.0));
        assertThrows(IllegalArgumentException.class, () -> Gaussian.centralHalfWidth(0));
    }

    @Test
    void coverageNllAndPointMetricsMatchHandComputedValues() {
        RegressionCalibrationReport r = RegressionCalibration.compute(MEAN, VAR, Y);
        // z = 0.674 covers 0.5; z = 1.28 also 1.0; z = 1.96 also 1.5; none covers 2.5.
        assertEquals(0.25, r.coverage(0.5), 0);
        assertEquals(0.5, r.coverage(0.8), 0);
        assertEquals(0.75, r.coverage(0.95), 0);
        double halfLog2Pi = 0.5 * Math.log(2 * Math.PI);
        double nll = (halfLog2Pi + 0.125 + halfLog2Pi + 0.5 + halfLog2Pi + Math.log(2) + 9.0 / 8 + halfLog2Pi + 3.125) / 4;
        assertEquals(nll, r.nll(), 1e-12);
        assertEquals(2.3109753, r.nll(), 1e-6);
        assertEquals(Math.sqrt(16.5 / 4), r.meanRmse(), 1e-12);
        assertEquals(1.75, r.meanMae(), 1e-12);
        // ybar = 1.25, SStot = 10.25, SSres = 16.5.
        assertEquals(1 - 16.5 / 10.25, r.meanR2(), 1e-12);

        Map<String, Object> map = r.toMap();
        assertEquals(List.of("rmse", "mae", "r2", "nll", "coverage", "examples", "dims"), List.copyOf(map.keySet()));
        assertEquals(Map.of("0.5", 0.25, "0.8", 0.5, "0.95", 0.75), map.get("coverage"));
        assertThrows(IllegalArgumentException.class, () -> r.coverage(0.9));
    }

    @Test
    void anIntervalBoundIsCovered() {
        double z = Gaussian.centralHalfWidth(0.8);
        RegressionCalibrationReport r = RegressionCalibration.compute(new double[]{1}, new double[]{1}, new double[]{1 + z});
        assertEquals(1.0, r.coverage(0.8), 0);
        assertEquals(0.0, r.coverage(0.5), 0);
    }

    @Test
    void weightsAndDimensionsCountAsRepeatedPairs() {
        double[][] mean = {{0, 1}, {2, 3}};
        double[][] var = {{1, 2}, {0.5, 1}};
        double[][] y = {{0.3, 3.5}, {1.0, 3.1}};
        RegressionCalibrationReport weighted = RegressionCalibration.compute(mean, var, y, new double[]{3, 1});
        RegressionCalibrationReport repeated = RegressionCalibration.compute(new double[][]{mean[0], mean[0], mean[0], mean[1]},
                new double[][]{var[0], var[0], var[0], var[1]}, new double[][]{y[0], y[0], y[0], y[1]}, null);
        assertEquals(repeated.nll(), weighted.nll(), 1e-12);
        assertArrayEquals(repeated.coverage(), weighted.coverage(), 1e-12);
        assertArrayEquals(repeated.rmse(), weighted.rmse(), 1e-12);
        assertArrayEquals(repeated.r2(), weighted.r2(), 1e-12);
        assertEquals(2, weighted.dims());
        // The NLL of two dimensions is the sum of each dimension's NLL.
        RegressionCalibrationReport d0 = RegressionCalibration.compute(new double[]{0, 2}, new double[]{1, 0.5}, new double[]{0.3, 1.0});
        RegressionCalibrationReport d1 = RegressionCalibration.compute(new double[]{1, 3}, new double[]{2, 1}, new double[]{3.5, 3.1});
        assertEquals(d0.nll() + d1.nll(), RegressionCalibration.compute(mean, var, y, null).nll(), 1e-12);
    }

    @Test
    void varianceScaleHasItsClosedFormAndMinimisesTheNll() {
        double[][] mean = column(MEAN);
        double[][] var = column(VAR);
        double[][] y = column(Y);
        VarianceScaling s = VarianceScaling.fit(mean, var, y, null);
        // Mean squared standardised residual: (0.25 + 1 + 2.25 + 6.25) / 4.
        assertEquals(9.75 / 4, s.scale(0), 1e-12);
        double best = RegressionCalibration.compute(mean, s.apply(var), y, null).nll();
        for (double f : new double[]{0.99, 1.01}) {
            double other = RegressionCalibration.compute(mean, VarianceScaling.of(s.scale(0) * f).apply(var), y, null).nll();
            assertTrue(best < other, f + ": " + best + " vs " + other);
        }
        assertTrue(best < RegressionCalibration.compute(mean, var, y, null).nll());
        // The scale leaves the point metrics alone.
        assertEquals(RegressionCalibration.compute(mean, var, y, null).meanRmse(),
                RegressionCalibration.compute(mean, s.apply(var), y, null).meanRmse(), 0);

        VarianceScaling constant = VarianceScaling.fitConstant(mean, y, null);
        assertEquals(16.5 / 4, constant.scale(0), 1e-12);
        assertArrayEquals(new double[]{16.5 / 4}, constant.constantVariances(3)[2], 0);
        double[] weightedScale = VarianceScaling.fit(mean, var, y, new double[]{1, 1, 1, 0}).scales();
        assertEquals(3.5 / 3, weightedScale[0], 1e-12);
    }

    @Test
    void badInputsAreRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RegressionCalibration.compute(MEAN, new double[]{1, 0, 1, 1}, Y))
                .getMessage().contains("variance[1][0] = 0.0"));
        assertThrows(IllegalArgumentException.class, () -> RegressionCalibration.compute(MEAN, VAR, new double[]{1, 2, Double.NaN, 3}));
        assertThrows(IllegalArgumentException.class, () -> RegressionCalibration.compute(new double[0], new double[0], new double[0]));
        assertThrows(IllegalArgumentException.class, () -> VarianceScaling.of(0));
        assertThrows(IllegalArgumentException.class, () -> VarianceScaling.of(1, 2).apply(new double[][]{{1}}));
    }

    @Test
    void tribuoPredictionsBecomeArraysAndScalesSerialize() throws Exception {
        ArrayExample<Regressor> e1 = new ArrayExample<>(new Regressor("y", 1.5), 2f);
        ArrayExample<Regressor> e2 = new ArrayExample<>(new Regressor("y", -1.0), 1f);
        Prediction<Regressor> p1 = new Prediction<>(new Regressor(new String[]{"y"}, new double[]{1.0}, new double[]{0.25}), 1, e1);
        Prediction<Regressor> p2 = new Prediction<>(new Regressor("y", 0.0), 1, e2);
        RegressionCalibration.PredictionArrays a = RegressionCalibration.fromPredictions(List.of(p1, p2));
        assertEquals(List.of("y"), a.dimensions());
        assertArrayEquals(new double[]{1.0}, a.mean()[0]);
        assertArrayEquals(new double[]{0.25}, a.variance()[0]);
        assertArrayEquals(new double[]{-1.0}, a.target()[1]);
        assertArrayEquals(new double[]{2, 1}, a.weights());
        assertFalse(a.hasVariances());
        assertThrows(IllegalArgumentException.class, () -> RegressionCalibration.fromPredictions(List.of(p1,
                new Prediction<>(new Regressor("z", 0.0), 1, e2))));

        VarianceScaling s = VarianceScaling.of(2.5, 0.5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
            out.writeObject(MultiLabelTemperatureScaling.perLabel(new double[]{1.5, 0.7}));
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(s, in.readObject());
            assertEquals(MultiLabelTemperatureScaling.perLabel(new double[]{1.5, 0.7}), in.readObject());
        }
    }

    private static double[][] column(double[] v) {
        double[][] m = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            m[i] = new double[]{v[i]};
        }
        return m;
    }
}
