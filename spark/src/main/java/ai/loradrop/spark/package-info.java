/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * LoRA-Drop on Apache Spark: scoring a DataFrame's text column with a serialized {@code LoraDropModel}
 * ({@link ai.loradrop.spark.SparkScorer}), Tribuo's classification metrics and the calibration report aggregated on
 * the executors ({@link ai.loradrop.spark.SparkEvaluator}), one Spark task per run of a sweep grid or of a list of
 * trainer configurations ({@link ai.loradrop.spark.SparkSweep}), and the {@code loradrop-spark} command
 * ({@link ai.loradrop.spark.SparkCli}).
 * <p>
 * The model file's bytes are broadcast once ({@link ai.loradrop.spark.ModelHandle}); every executor JVM deserializes
 * them once into one model whose ONNX Runtime sessions serve all its tasks ({@link ai.loradrop.spark.ExecutorModels}),
 * and closes it when the JVM shuts down.
 */
package ai.loradrop.spark;
