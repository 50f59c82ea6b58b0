/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Experiments over {@link ai.loradrop.tribuo.LoraDropTrainer} configurations: sweeps with repeats over seeds,
 * dev-set selection, optional k-fold cross-validation, resumable by configuration hash, and their results as
 * Markdown, CSV, JSON and a self-contained HTML report.
 * <ul>
 *     <li>{@link ai.loradrop.experiments.SweepGrid} (JSON or OLCUT XML, with {@link ai.loradrop.experiments.GridAxis})
 *     expands into {@link ai.loradrop.experiments.RunSpec}s;
 *     {@link ai.loradrop.experiments.TrainerFields} applies their settings to a trainer through OLCUT.</li>
 *     <li>{@link ai.loradrop.experiments.Sweep} trains and evaluates each run on {@link ai.loradrop.experiments.SweepData}
 *     and keeps its report; {@link ai.loradrop.experiments.Selection} picks the best on the dev set alone.</li>
 *     <li>{@link ai.loradrop.experiments.SweepResult} writes {@link ai.loradrop.experiments.ResultsTable} (mean ± std
 *     over repeats) and the {@link ai.loradrop.experiments.HtmlReport}.</li>
 * </ul>
 * This layer sits above {@code tribuo} and {@code calibration}: it imports them, they never import it.
 */
package ai.loradrop.experiments;
