/**
 * AdamW written into the training graph with PyTorch semantics, on flat parameter and moment vectors.
 */
package ai.loradrop.optim;
