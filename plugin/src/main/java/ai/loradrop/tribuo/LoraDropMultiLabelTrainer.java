/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.encoders.NamedEncoder;
import ai.loradrop.head.HeadLoss;
import ai.loradrop.programs.ClassifierSpec;
import com.oracle.labs.mlrg.olcut.config.Config;
import org.tribuo.Dataset;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;
import org.tribuo.multilabel.ImmutableMultiLabelInfo;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.provenance.ModelProvenance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Tribuo {@code Trainer<MultiLabel>} that fine-tunes a pretrained transformer encoder with LoRA and LoRA dropout for
 * multi-label text classification (tags): one sigmoid per label of the training data's domain, trained with
 * example-weighted binary cross-entropy, and returns a {@link LoraDropMultiLabelModel}.
 * <p>
 * Every setting but {@code threshold} is {@link LoraDropTrainer}'s (inherited from {@link AbstractLoraDropTrainer},
 * with the same names, defaults and meaning; {@link #settings()} lists them all). The per-epoch validation accuracy
 * recorded in the provenance is the accuracy of every label's decision at probability 0.5.
 */
public final class LoraDropMultiLabelTrainer extends AbstractLoraDropTrainer<MultiLabel, LoraDropMultiLabelModel> {

    @Config(description = "Multi-label only: a label is predicted when its probability reaches this threshold, in (0, 1).")
    private double threshold = 0.5;

    /** For OLCUT. Set the mandatory fields, then call {@link #postConfig()}. */
    LoraDropMultiLabelTrainer() {}

    /**
     * Starts a builder; every setting not given keeps the default documented on its {@code @Config} field.
     * @param baseModelPath the base encoder (.onnx).
     * @param tokenizerPath the tokenizer (tokenizer.json or vocab.txt).
     * @return the builder.
     */
    public static Builder builder(Path baseModelPath, Path tokenizerPath) {
        return new Builder().files(baseModelPath, tokenizerPath);
    }

    /**
     * Starts a builder for a named encoder.
     * @param encoder the encoder.
     * @return the builder.
     */
    public static Builder builder(NamedEncoder encoder) {
        return new Builder().named(encoder);
    }

    @Override
    public synchronized void postConfig() {
        super.postConfig();
        check(threshold > 0 && threshold < 1, "threshold", "must be in (0, 1), got " + threshold);
    }

    @Override
    HeadLoss headLoss() {
        return HeadLoss.SIGMOID_BINARY_CROSS_ENTROPY;
    }

    @Override
    void checkOutputs(ImmutableOutputInfo<MultiLabel> outputs) {
        if (outputs.size() < 1) {
            throw new IllegalArgumentException("Multi-label training needs at least 1 label in the training data");
        }
    }

    @Override
    Targets<MultiLabel> targets(Dataset<MultiLabel> train, ImmutableOutputInfo<MultiLabel> outputs) {
        ImmutableMultiLabelInfo info = (ImmutableMultiLabelInfo) outputs;
        return (ex, i, what) -> {
            float[] y = new float[outputs.size()];
            for (Label l : ex.getOutput().getLabelSet()) {
                int id = info.getID(l.getLabel());
                if (id < 0) {
                    throw new IllegalArgumentException(what + " example " + i + " has label '" + l.getLabel()
                            + "', which is not in the training label domain " + outputNames(outputs));
                }
                y[id] = 1f;
            }
            return new Target(-1, y);
        };
    }

    @Override
    List<String> outputNames(ImmutableOutputInfo<MultiLabel> outputs) {
        List<String> l = new ArrayList<>(outputs.size());
        for (int i = 0; i < outputs.size(); i++) {
            l.add(outputs.getOutput(i).getLabelString());
        }
        return l;
    }

    @Override
    String task() {
        return "multi-label model";
    }

    @Override
    Class<LoraDropMultiLabelModel> modelClass() {
        return LoraDropMultiLabelModel.class;
    }

    @Override
    LoraDropMultiLabelModel createModel(ModelProvenance provenance, ImmutableFeatureMap features,
                                        ImmutableOutputInfo<MultiLabel> outputs, Resources res, ClassifierSpec spec,
                                        float[] params, ModelSettings settings, Targets<MultiLabel> targets) {
        return new LoraDropMultiLabelModel("loradrop-multilabel-model", provenance, features, outputs, res.encoder(),
                res.base(), res.tokenizer(), spec, params, settings, threshold);
    }

    @Override
    public String toString() {
        return "LoraDropMultiLabelTrainer(" + (encoder != null ? "encoder=" + encoder : "baseModelPath=" + baseModelPath)
                + ", rank=" + rank + ", dropout=" + dropoutMode + " p=" + dropout + ", epochs=" + epochs + ", learningRate="
                + learningRate + ", threshold=" + threshold + ", seed=" + seed + ", ensembleSize=" + ensembleSize + ")";
    }

    private static final List<Setting> SETTINGS = readSettings(LoraDropMultiLabelTrainer.class, new LoraDropMultiLabelTrainer());
    private static final Map<String, Setting> SETTINGS_BY_NAME = indexSettings(SETTINGS);

    /**
     * Every {@code @Config} setting: {@link LoraDropTrainer#settings()}, then {@code threshold}.
     * @return the settings.
     */
    public static List<Setting> settings() {
        return SETTINGS;
    }

    /**
     * Builds a {@link LoraDropMultiLabelTrainer}: the shared settings by name ({@link #set}, as the CLI does), the
     * threshold by its setter.
     */
    public static final class Builder extends SettingsBuilder<LoraDropMultiLabelTrainer, Builder> {
        private Builder() {
            super(LoraDropMultiLabelTrainer::new, SETTINGS, SETTINGS_BY_NAME);
        }

        /**
         * Sets {@code threshold}; see {@link LoraDropMultiLabelTrainer#settings()} for its description and default.
         * @param v the value.
         * @return this.
         */
        public Builder threshold(double v) {
            draft.threshold = v;
            return this;
        }
    }
}
