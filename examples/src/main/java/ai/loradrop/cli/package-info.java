/**
 * The {@code loradrop} command line and the demo: fine-tune, evaluate, predict, export and benchmark from a shell.
 */
package ai.loradrop.cli;
