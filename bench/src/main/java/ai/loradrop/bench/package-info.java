/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * {@code loradrop bench}: training and prediction throughput, the MatMul roofline, peak memory and the PyTorch
 * LoRA reference ({@code bench/torch-lora}) measured side by side in one run. Contributed to the command line as a
 * {@link ai.loradrop.cli.CliCommand} service. {@code loradrop baseline}
 * ({@link ai.loradrop.bench.BaselineCommand}): the Tribuo baselines of the multi-label and regression tasks, bag of
 * words plus Tribuo's linear trainers, with the metric keys of the LoRA-Drop report.
 */
package ai.loradrop.bench;
