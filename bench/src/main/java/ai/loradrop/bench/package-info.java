/**
 * {@code loradrop bench}: training and prediction throughput, the MatMul roofline, peak memory and the PyTorch
 * LoRA reference ({@code bench/torch-lora}) measured side by side in one run. Contributed to the command line as a
 * {@link ai.loradrop.cli.CliCommand} service.
 */
package ai.loradrop.bench;
