/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * The Tribuo face of LoRA-Drop: trainers that fine-tune an ONNX transformer encoder with LoRA and LoRA dropout from
 * Java, one per Tribuo output type over one generic core ({@link ai.loradrop.tribuo.AbstractLoraDropTrainer}, in the
 * pattern of Tribuo's {@code AbstractSGDTrainer}), and the models they produce.
 * <ul>
 *     <li>{@link ai.loradrop.tribuo.LoraDropMultiLabelTrainer} / {@link ai.loradrop.tribuo.LoraDropMultiLabelModel}:
 *     {@code MultiLabel} (one sigmoid per label, binary cross-entropy, a decision threshold);
 *     {@link ai.loradrop.tribuo.LoraDropRegressionTrainer} / {@link ai.loradrop.tribuo.LoraDropRegressionModel}:
 *     {@code Regressor} (one output per dimension, MSE or Huber on standardised targets, an ensemble's predictive
 *     variance); both share {@link ai.loradrop.tribuo.AbstractLoraDropModel}.</li>
 *     <li>{@link ai.loradrop.tribuo.LoraDropTrainer}: OLCUT-configurable trainer (every hyperparameter a
 *     {@code @Config} field, or a {@link ai.loradrop.tribuo.LoraDropTrainer.Builder}); its provenance
 *     ({@link ai.loradrop.tribuo.LoraDropTrainerProvenance}) adds the SHA-256 and size of the encoder and tokenizer
 *     files.</li>
 *     <li>{@link ai.loradrop.tribuo.LoraDropModel}: batched, thread-safe, probabilistic predictions from example
 *     metadata text; options for a test-time ensemble over dropout masks and temperature scaling; Tribuo protobuf
 *     and Java serialization with the base encoder embedded or referenced by hash.</li>
 *     <li>{@link ai.loradrop.tribuo.LoraDropPrediction} and {@link ai.loradrop.tribuo.Uncertainty}: a prediction's
 *     entropy, mutual information and ensemble agreement.</li>
 *     <li>Interoperability: {@link ai.loradrop.tribuo.LoraDropModel#exportOnnx} (a standalone merged ONNX
 *     classifier carrying the Tribuo provenance), {@link ai.loradrop.tribuo.LoraDropModel#exportAdapter} (a PEFT
 *     adapter folder, with the labels in {@link ai.loradrop.interop.AdapterLabels}'s file),
 *     {@link ai.loradrop.tribuo.LoraDropModel#fromAdapter} (a model from a PEFT adapter, with
 *     {@link ai.loradrop.tribuo.AdapterImportOptions}; its provenance is an
 *     {@link ai.loradrop.tribuo.AdapterSourceProvenance} and an {@link ai.loradrop.tribuo.AdapterImportProvenance})
 *     and the trainer's {@code initialAdapterPath} (continued training from an adapter).</li>
 * </ul>
 * Text data sources and example helpers live in {@link ai.loradrop.tribuo.data}.
 */
package ai.loradrop.tribuo;
