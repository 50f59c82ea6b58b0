/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * The {@code loradrop} command line ({@link ai.loradrop.cli.LoraDropCli}): {@code train} fine-tunes an encoder on
 * a labelled CSV, TSV or JSON-lines file and evaluates it, {@code evaluate} measures a saved model (accuracy, macro
 * F1, calibration of the deterministic model and of the test-time ensemble, JSON report, reliability diagram),
 * {@code predict} classifies a text or a file, {@code export} writes a merged ONNX model or a PEFT adapter,
 * {@code demo} fine-tunes all-MiniLM-L6-v2 on the bundled WordNet supersenses, and {@code bench} measures throughput.
 * <p>
 * <b>Trainer settings are written once.</b> The options of {@code train} that configure the trainer are derived from
 * the {@code @Config} fields of {@link ai.loradrop.tribuo.LoraDropTrainer} ({@code TrainerFlags}, through
 * {@link ai.loradrop.tribuo.LoraDropTrainer#settings()}): the option name is the field's name in kebab case, its
 * value is parsed by the field's type, its help line is the field's description with its default, and its
 * validation is the trainer's {@code postConfig()} (errors name the option). The README's configuration reference is
 * generated from the same fields, and {@code TrainerSettingsSourceTest} fails when any copy drifts.
 * <p>
 * To add a trainer setting with its option: declare the {@code @Config} field in {@code LoraDropTrainer} with its
 * description and default, check it in {@code postConfig()}, add its builder setter (one line writing
 * {@code draft.field}), and regenerate the README table ({@code mvn verify -pl cli -am
 * -Dtest=TrainerSettingsSourceTest -Dloradrop.writeReadme=true -Dsurefire.failIfNoSpecifiedTests=false}). Nothing in
 * this package changes, except when the option should not be the kebab-case name ({@code TrainerFlags.RENAMED}), is
 * a boolean that defaults to true (its off switch in {@code TrainerFlags.NEGATED}; derivation fails until it is
 * given), is set by the command itself ({@code TrainerFlags.NOT_OPTIONS}), or has a type the command line cannot
 * parse yet ({@code TrainerFlags.parse}).
 * <p>
 * <b>Files are checked before any work</b> ({@code FileRoles}): every command registers the files it reads and the
 * files it writes under their options; an output that is an input or another output (after links) is refused, and
 * each output folder must take a new file. ONNX Runtime is started by {@link ai.loradrop.onnx.OrtStartup} on a thread whose stack
 * fits the process's command line (ONNX Runtime 1.29's telemetry overflowed the default stack with long arguments).
 */
package ai.loradrop.cli;
