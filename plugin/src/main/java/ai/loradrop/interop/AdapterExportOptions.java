package ai.loradrop.interop;

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
 */
public record AdapterExportOptions(String baseModel, String stripPrefix, String keyPrefix, HeadKeyStyle headKeys,
                                   int dropoutSamples, int ensembleMembers, long ensembleSeed) {
    /**
     * Validates.
     * @param baseModel the base model's name or path for {@code base_model_name_or_path} (null: unknown).
     * @param stripPrefix the module-path prefix of the ONNX export to remove from every key (for example {@code "m."}), or null to detect it: the text before {@code encoder.layer.N} (also {@code transformer.layer.N}, {@code encoder.layers.N}) in the targeted module paths.
     * @param keyPrefix text put in front of every module path after stripping, for example {@code "bert."} so that PEFT can load the adapter onto {@code BertForSequenceClassification}; empty by default.
     * @param headKeys how the head tensors are named.
     * @param dropoutSamples LoRA dropout instances per example used in training (recorded in the sidecar).
     * @param ensembleMembers test-time ensemble size (0: none; recorded in the sidecar).
     * @param ensembleSeed the ensemble's mask seed (recorded in the sidecar).
     */
    public AdapterExportOptions {
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
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
    }

    /**
     * Defaults: unknown base model, automatic prefix, PEFT head keys, one dropout sample, no ensemble.
     * @return the options.
     */
    public static AdapterExportOptions defaults() {
        return new AdapterExportOptions(null, null, "", HeadKeyStyle.PEFT, 1, 0, 0L);
    }

    /**
     * A copy with a base model name.
     * @param name the name or path.
     * @return the copy.
     */
    public AdapterExportOptions withBaseModel(String name) {
        return new AdapterExportOptions(name, stripPrefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed);
    }

    /**
     * A copy with an explicit prefix to strip ({@code ""} strips nothing, null detects it).
     * @param prefix the prefix.
     * @return the copy.
     */
    public AdapterExportOptions withStripPrefix(String prefix) {
        return new AdapterExportOptions(baseModel, prefix, keyPrefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed);
    }

    /**
     * A copy with a prefix added to every module path.
     * @param prefix the prefix, ending in '.', or empty.
     * @return the copy.
     */
    public AdapterExportOptions withKeyPrefix(String prefix) {
        return new AdapterExportOptions(baseModel, stripPrefix, prefix, headKeys, dropoutSamples, ensembleMembers, ensembleSeed);
    }

    /**
     * A copy with another head key style.
     * @param style the style.
     * @return the copy.
     */
    public AdapterExportOptions withHeadKeys(HeadKeyStyle style) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, style, dropoutSamples, ensembleMembers, ensembleSeed);
    }

    /**
     * A copy with another number of dropout samples.
     * @param samples the number.
     * @return the copy.
     */
    public AdapterExportOptions withDropoutSamples(int samples) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, samples, ensembleMembers, ensembleSeed);
    }

    /**
     * A copy with ensemble settings.
     * @param members the ensemble size (0: none).
     * @param seed the mask seed.
     * @return the copy.
     */
    public AdapterExportOptions withEnsemble(int members, long seed) {
        return new AdapterExportOptions(baseModel, stripPrefix, keyPrefix, headKeys, dropoutSamples, members, seed);
    }
}
