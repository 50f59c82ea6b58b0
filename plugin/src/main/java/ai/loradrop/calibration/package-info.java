/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Calibration reporting for probabilistic classifiers, which Tribuo does not provide.
 * <p>
 * {@link ai.loradrop.calibration.CalibrationMetrics} computes top-label expected and maximum calibration error
 * (ECE, MCE), the multi-class Brier score, negative log-likelihood and accuracy from a matrix of class
 * probabilities, returning an immutable {@link ai.loradrop.calibration.CalibrationReport} with its
 * {@link ai.loradrop.calibration.ReliabilityTable}. {@link ai.loradrop.calibration.TemperatureScaling} fits a
 * single softmax temperature on validation logits, {@link ai.loradrop.calibration.ReliabilityDiagram} draws the
 * reliability diagram as PNG or SVG, and {@link ai.loradrop.calibration.CalibrationEvaluator} plugs the metrics
 * into Tribuo's {@link org.tribuo.evaluation.Evaluator} API, producing a
 * {@link ai.loradrop.calibration.CalibrationEvaluation} with Tribuo provenance.
 */
package ai.loradrop.calibration;
