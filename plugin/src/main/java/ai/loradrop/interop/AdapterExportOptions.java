/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import java.util.List;
import java.util.Objects;

/**
 * Settings of a PEFT adapter export.
 *
 * @param baseModel the base model's name or path for {@code base_model_name_or_path} (null: unknown).
 * @param stripPrefix the module-path prefix of the ONNX export to remove from every key (for example {@code "m."}),
 *                    or null to detect it: the text before {@code encoder.layer.N} (also {@code transformer.layer.N},
 *                    {@code encoder.layers.N}) in the targeted module paths.
 * @param keyPrefix text put in front of every module path after stripping, for example {@code "bert."} so that
 *                  PEFT can load the adapter onto {@code BertForSequenceClassification}; empty by default.
 * @param headKeys how the head tensors are named.
 * @param dropoutSamples LoRA dropout instances per example used in training (recorded in the sidecar).
 * @param ensembleMembers test-time ensemble size (0: none; recorded in the sidecar).
 * @param ensembleSeed the ensemble's mask seed (recorded in the sidecar).
 * @param labels the class labels in head-row order, written to {@value AdapterLabels#FILE_NAME}; empty for none.
 * @param input how the model reads its texts (maximum length, text and pair keys; recorded in the sidecar), or null
 *              when unknown.
 * @param tokenizer the ids of the tokenizer the adapter was trained with (recorded in the sidecar, so that an import
 *                  with another tokenizer is noticed), or null when unknown.
 * @param outputs what the sidecar records about the head's outputs (multi-label threshold, regression target
 *                standardisation; {@link AdapterOutputs#none()} for a classifier).
 */
public record AdapterExportOptions(String baseModel, String stripPrefix, String keyPrefix, HeadKeyStyle headKeys,
                                   int dropoutSamples, int ensembleMembers, long ensembleSeed, List<String> labels,
                                   AdapterInput input, TokenizerIds tokenizer, AdapterOutputs outputs) {
    /**
     * Validates.
     * @param baseModel the base model's name or path for {@code base_model_name_or_path} (null: unknown).
     * @param stripPrefix the module-path prefix of the ONNX export to remove from every key (for example {@code "m."}), or null to detect it: the text before {@code encoder.layer.N} (also {@code transformer.layer.N}, {@code encoder.layers.N}) in the targeted module paths.
     * @param keyPrefix text put in front of every module path after stripping, for example {@code "bert."} so that PEFT can load the adapter onto {@code BertForSequenceClassification}; empty by default.
     * @param headKeys how the head tensors are named.
     * @param dropoutSamples LoRA dropout instances per example used in training (recorded in the sidecar).
     * @param ensembleMembers test-time ensemble size (0: none; recorded in the sidecar).
     * @param ensembleSeed the ensemble's mask seed (recorded in the sidecar).
     * @param labels the class labels in head-row order, written to {@value AdapterLabels#FILE_NAME}; empty for none.
     * @param input how the model reads its texts (recorded in the sidecar), or null when unknown.
     * @param tokenizer the ids of the tokenizer the adapter was trained with (recorded in the sidecar), or null.
     * @param outputs what the sidecar records about the head's outputs (null: {@link AdapterOutputs#none()}).
     */
    public AdapterExportOptions {
        outputs = outputs == null ? AdapterOutputs.none() : outputs;
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
        labels = labels == null ? List.of() : List.copyOf(labels);
        Objects.requireNonNull(headKeys, "headKeys");
        if (!keyPrefix.isEmpty() && !keyPrefix.endsWith(".")) {
            throw new IllegalArgumentException("keyPrefix must end with '.', got '" + keyPrefix + "'");
        }
        if (dropoutSamples < 1) {
            throw new IllegalArgumentException("dropoutSamples must be at least 1, got " + dropoutSamples);
        }
        if (ensembleMembers < 0) {
            throw new IllegalArgumentException("ensembleMembers must be non-negative, got " + ensembleMembers);
        }
        if (!labels.isEmpty()) {
            AdapterLabels.check(labels, "The adapter labels", 1);
        }
    }

    /**
     * Defaults: unknown base model, automatic prefix, PEFT head keys, one dropout sample, no ensemble.
     * @return the options.
     */
    public static AdapterExportOptions defaults() {
        return new AdapterExportOptions(null, null, "", HeadKeyStyle.PEFT, 1, 0, 0L, List.of(), null, null, AdapterOutputs.none());
    }

    /**
     * A copy with a base model name.
     * @param name the name or path.
     * @return the copy.
     */
    public AdapterExportOptions withBaseModel(String name) {
        return new AdapterExportOptions(name, stripPrefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed, labels, input, tokenizer, outputs);
    }

    /**
     * A copy with an explicit prefix to strip ({@code ""} strips nothing, null detects it).
     * @param prefix the prefix.
     * @return the copy.
     */
    public AdapterExportOptions withStripPrefix(String prefix) {
        return new AdapterExportOptions(baseModel, prefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed, labels, input, tokenizer, outputs);
    }

    /**
     * A copy with a prefix added to every module path.
     * @param prefix the prefix, ending in '.', or empty.
     * @return the copy.
     */
    public AdapterExportOptions withKeyPrefix(String prefix) {
        return new AdapterExportOptions(baseModel, stripPrefix, prefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed, labels, input, tokenizer, outputs);
    }

    /**
     * A copy with another head key style.
     * @param style the style.
     * @return the copy.
     */
    public AdapterExportOptions withHeadKeys(HeadKeyStyle style) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, style, dropoutSamples, ensembleMembers, ensembleSeed, labels, input, tokenizer, outputs);
    }

    /**
     * A copy with another number of dropout samples.
     * @param samples the number.
     * @return the copy.
     */
    public AdapterExportOptions withDropoutSamples(int samples) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, samples, ensembleMembers, ensembleSeed, labels, input, tokenizer, outputs);
    }

    /**
     * A copy with ensemble settings.
     * @param members the ensemble size (0: none).
     * @param seed the mask seed.
     * @return the copy.
     */
    public AdapterExportOptions withEnsemble(int members, long seed) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, dropoutSamples, members, seed, labels, input, tokenizer, outputs);
    }

    /**
     * A copy with class labels (written to {@value AdapterLabels#FILE_NAME}).
     * @param names the labels in head-row order; empty for none.
     * @return the copy.
     */
    public AdapterExportOptions withLabels(List<String> names) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed,
                names, input, tokenizer, outputs);
    }

    /**
     * A copy recording how the model reads its texts.
     * @param in the input settings, or null when unknown.
     * @return the copy.
     */
    public AdapterExportOptions withInput(AdapterInput in) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed,
                labels, in, tokenizer, outputs);
    }

    /**
     * A copy recording the tokenizer's ids.
     * @param ids the ids, or null when unknown.
     * @return the copy.
     */
    public AdapterExportOptions withTokenizer(TokenizerIds ids) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed,
                labels, input, ids, outputs);
    }

    /**
     * A copy recording what turns the head's outputs into predictions (multi-label threshold, regression target
     * standardisation).
     * @param o the settings.
     * @return the copy.
     */
    public AdapterExportOptions withOutputs(AdapterOutputs o) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed,
                labels, input, tokenizer, o);
    }
}
