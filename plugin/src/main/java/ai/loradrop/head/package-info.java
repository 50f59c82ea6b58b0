/**
 * The classification head appended to an encoder: pooling, the linear layer and example-weighted cross-entropy.
 */
package ai.loradrop.head;
