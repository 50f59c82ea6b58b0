/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.onnx.LinearModule;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.ParameterLayout;

import java.util.List;
import java.util.Objects;

/**
 * A LoRA adapter read onto an encoder: the classifier it defines and its parameters in LoRA-Drop's flat layout.
 *
 * @param spec the classifier (LoRA settings, pooling, classes, head dropout).
 * @param params the flat parameters in {@code layout} order.
 * @param layout the parameter layout on the encoder.
 * @param targets the encoder's Linear layers the adapter targets, in layout order.
 * @param baseModel {@code base_model_name_or_path} of the adapter config, or null.
 * @param dropoutSamples LoRA dropout instances per example used in training (1 without a LoRA-Drop sidecar).
 * @param ensembleMembers test-time ensemble size (0: none or unknown).
 * @param ensembleSeed the ensemble's mask seed.
 * @param hasLoraDropSidecar whether the folder held {@code loradrop_config.json} (written by LoRA-Drop), as opposed
 *                           to an adapter written by PEFT itself.
 * @param labels the class labels in head-row order from {@value AdapterLabels#FILE_NAME}, or null when the folder
 *               has none.
 * @param input how the exported model read its texts (maximum length, sentence pairs), or null when the folder does
 *              not record it (PEFT, or a LoRA-Drop sidecar of format 1).
 * @param tokenizer the ids of the tokenizer the adapter was trained with, or null when not recorded.
 * @param outputs the multi-label threshold and regression target standardisation the sidecar records
 *                ({@link AdapterOutputs#none()} when it records none).
 */
public record ImportedAdapter(ClassifierSpec spec, float[] params, ParameterLayout layout, List<LinearModule> targets,
                              String baseModel, int dropoutSamples, int ensembleMembers, long ensembleSeed,
                              boolean hasLoraDropSidecar, List<String> labels, AdapterInput input, TokenizerIds tokenizer,
                              AdapterOutputs outputs) {
    /**
     * Validates and copies.
     * @param spec the classifier (LoRA settings, pooling, classes, head dropout).
     * @param params the flat parameters in {@code layout} order.
     * @param layout the parameter layout on the encoder.
     * @param targets the encoder's Linear layers the adapter targets, in layout order.
     * @param baseModel {@code base_model_name_or_path} of the adapter config, or null.
     * @param dropoutSamples LoRA dropout instances per example used in training (1 without a LoRA-Drop sidecar).
     * @param ensembleMembers test-time ensemble size (0: none or unknown).
     * @param ensembleSeed the ensemble's mask seed.
     * @param hasLoraDropSidecar whether the folder held {@code loradrop_config.json} (written by LoRA-Drop), as opposed to an adapter written by PEFT itself.
     * @param labels the class labels in head-row order, or null.
     * @param input how the exported model read its texts, or null when not recorded.
     * @param tokenizer the ids of the tokenizer the adapter was trained with, or null when not recorded.
     * @param outputs the multi-label threshold and regression target standardisation (null: none recorded).
     */
    public ImportedAdapter {
        outputs = outputs == null ? AdapterOutputs.none() : outputs;
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(layout, "layout");
        params = params.clone();
        targets = List.copyOf(targets);
        labels = labels == null ? null : List.copyOf(labels);
        if (labels != null && labels.size() != spec.numClasses()) {
            throw new IllegalArgumentException(labels.size() + " labels " + labels + " for " + spec.numClasses() + " classes");
        }
        if (params.length != layout.size()) {
            throw new IllegalArgumentException("params hold " + params.length + " values, the layout " + layout.size());
        }
    }

    /**
     * A copy of the parameters.
     * @return the flat vector.
     */
    @Override
    public float[] params() {
        return params.clone();
    }

    /**
     * What the adapter's head predicts: as its sidecar records (format 3 on), a single-label classifier for older
     * sidecars, or null for an adapter written by PEFT, which does not record it.
     * @return the problem type, or null when unknown.
     */
    public ProblemType problemType() {
        return hasLoraDropSidecar ? ProblemType.of(spec.loss()) : null;
    }
}
