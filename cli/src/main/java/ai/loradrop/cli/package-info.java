/**
 * The {@code loradrop} command line ({@link ai.loradrop.cli.LoraDropCli}): {@code train} fine-tunes an encoder on
 * a labelled CSV, TSV or JSON-lines file and evaluates it, {@code evaluate} measures a saved model (accuracy, macro
 * F1, calibration of the deterministic model and of the test-time ensemble, JSON report, reliability diagram),
 * {@code predict} classifies a text or a file, {@code demo} fine-tunes all-MiniLM-L6-v2 on the bundled WordNet
 * supersenses, and {@code bench} measures throughput.
 */
package ai.loradrop.cli;
