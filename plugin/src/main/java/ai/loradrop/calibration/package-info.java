/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Calibration reporting for probabilistic classifiers, multi-label models and Gaussian regression, which Tribuo does
 * not provide.
 * <p>
 * {@link ai.loradrop.calibration.CalibrationMetrics} computes top-label expected and maximum calibration error
 * (ECE, MCE), the multi-class Brier score, negative log-likelihood and accuracy from a matrix of class
 * probabilities, returning an immutable {@link ai.loradrop.calibration.CalibrationReport} with its
 * {@link ai.loradrop.calibration.ReliabilityTable}. {@link ai.loradrop.calibration.TemperatureScaling} fits a
 * single softmax temperature on validation logits, {@link ai.loradrop.calibration.ReliabilityDiagram} draws the
 * reliability diagram as PNG or SVG, and {@link ai.loradrop.calibration.CalibrationEvaluator} plugs the metrics
 * into Tribuo's {@link org.tribuo.evaluation.Evaluator} API, producing a
 * {@link ai.loradrop.calibration.CalibrationEvaluation} with Tribuo provenance.
 * <p>
 * Multi-label: {@link ai.loradrop.calibration.MultiLabelCalibration} gives class-wise ECE, Brier score and
 * binary cross-entropy per label and pooled over labels ({@link ai.loradrop.calibration.MultiLabelCalibrationReport}),
 * drawn by the same diagram with {@link ai.loradrop.calibration.ReliabilityDiagram.Axes#PROBABILITY};
 * {@link ai.loradrop.calibration.MultiLabelTemperatureScaling} fits a shared or per-label sigmoid temperature.
 * Regression: {@link ai.loradrop.calibration.RegressionCalibration} scores predictive means and variances (coverage
 * of central Gaussian intervals from {@link ai.loradrop.calibration.Gaussian}, Gaussian NLL, RMSE, MAE, R²) in a
 * {@link ai.loradrop.calibration.RegressionCalibrationReport}, and {@link ai.loradrop.calibration.VarianceScaling}
 * fits the closed-form variance scale that plays the part of the temperature. All of them take plain arrays, and
 * convert Tribuo predictions to arrays.
 */
package ai.loradrop.calibration;
