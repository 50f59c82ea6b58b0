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
import org.tribuo.Example;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.regression.ImmutableRegressionInfo;
import org.tribuo.regression.Regressor;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import java.util.LinkedHashMap;
import java.util.logging.Logger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Tribuo {@code Trainer<Regressor>} that fine-tunes a pretrained transformer encoder with LoRA and LoRA dropout for
 * text regression: one linear output per regression dimension of the training data, trained with example-weighted
 * mean squared error or Huber loss ({@code loss}) on targets standardised with the training data's example-weighted
 * mean and standard deviation per dimension (recorded in the model's instance provenance under {@link #TARGET_MEAN}
 * and {@link #TARGET_STD}, in the dimensions' natural order, and applied back by the model). Returns a
 * {@link LoraDropRegressionModel}; with {@code ensembleSize > 1} it predicts the mean and variance of a test-time
 * ensemble over LoRA dropout masks.
 * <p>
 * Every setting but {@code loss} is {@link LoraDropTrainer}'s (inherited from {@link AbstractLoraDropTrainer},
 * with the same names, defaults and meaning; {@link #settings()} lists them all). The validation loss recorded per
 * epoch is the training loss on standardised targets; the validation accuracy is NaN.
 */
public final class LoraDropRegressionTrainer extends AbstractLoraDropTrainer<Regressor, LoraDropRegressionModel> {

    private static final Logger logger = Logger.getLogger(LoraDropRegressionTrainer.class.getName());

    /** Model instance provenance: the training mean of each regression dimension (natural order). */
    public static final String TARGET_MEAN = "loradrop-target-mean";
    /** Model instance provenance: the training standard deviation of each regression dimension (natural order). */
    public static final String TARGET_STD = "loradrop-target-std";
    /** Model instance provenance: the regression dimensions' names (natural order). */
    public static final String TARGET_DIMENSIONS = "loradrop-target-dimensions";

    @Config(description = "Regression only: the loss on standardised targets, MSE or HUBER (delta one training standard deviation).")
    private RegressionLoss loss = RegressionLoss.MSE;

    /** For OLCUT. Set the mandatory fields, then call {@link #postConfig()}. */
    LoraDropRegressionTrainer() {}

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
        check(loss != null, "loss", "must be set (MSE or HUBER)");
    }

    @Override
    HeadLoss headLoss() {
        return loss.headLoss();
    }

    @Override
    void checkOutputs(ImmutableOutputInfo<Regressor> outputs) {
        if (outputs.size() < 1) {
            throw new IllegalArgumentException("Regression needs at least 1 dimension in the training data");
        }
    }

    /** The run's standardisation: per output id, the training mean and standard deviation. */
    private record Standardisation(double[] mean, double[] std, String[] names, int[] naturalOfId) implements Targets<Regressor> {
        @Override
        public Target target(Example<Regressor> ex, int i, String what) {
            double[] v = values(ex, i, what, names, naturalOfId);
            float[] y = new float[v.length];
            for (int id = 0; id < v.length; id++) {
                y[id] = (float) ((v[id] - mean[id]) / std[id]);
            }
            return new Target(-1, y);
        }

        @Override
        public Map<String, Provenance> provenance() {
            List<DoubleProvenance> m = new ArrayList<>();
            List<DoubleProvenance> s = new ArrayList<>();
            List<StringProvenance> n = new ArrayList<>();
            for (int k = 0; k < names.length; k++) {
                int id = idOfNatural(k);
                m.add(new DoubleProvenance(TARGET_MEAN, mean[id]));
                s.add(new DoubleProvenance(TARGET_STD, std[id]));
                n.add(new StringProvenance(TARGET_DIMENSIONS, names[k]));
            }
            Map<String, Provenance> out = new LinkedHashMap<>();
            out.put(TARGET_DIMENSIONS, new ListProvenance<>(n));
            out.put(TARGET_MEAN, new ListProvenance<>(m));
            out.put(TARGET_STD, new ListProvenance<>(s));
            return out;
        }

        private int idOfNatural(int k) {
            for (int id = 0; id < naturalOfId.length; id++) {
                if (naturalOfId[id] == k) {
                    return id;
                }
            }
            throw new IllegalStateException("No output id for dimension " + k);
        }
    }

    /** An example's target values in output id order, refusing other dimensions and non-finite values. */
    private static double[] values(Example<Regressor> ex, int i, String what, String[] names, int[] naturalOfId) {
        Regressor r = ex.getOutput();
        String[] got = r.getNames();
        if (!java.util.Arrays.equals(got, names)) {
            throw new IllegalArgumentException(what + " example " + i + " has the regression dimensions "
                    + java.util.Arrays.toString(got) + ", but the training data has " + java.util.Arrays.toString(names));
        }
        double[] natural = r.getValues();
        double[] v = new double[natural.length];
        for (int id = 0; id < v.length; id++) {
            v[id] = natural[naturalOfId[id]];
            if (!Double.isFinite(v[id])) {
                throw new IllegalArgumentException(what + " example " + i + " has the non-finite target " + v[id]
                        + " for dimension '" + names[naturalOfId[id]] + "'");
            }
        }
        return v;
    }

    @Override
    Targets<Regressor> targets(Dataset<Regressor> train, ImmutableOutputInfo<Regressor> outputs) {
        String[] names = Regressor.extractNames(outputs);
        int[] naturalOfId = ((ImmutableRegressionInfo) outputs).getIDtoNaturalOrderMapping();
        int d = outputs.size();
        double[] sum = new double[d];
        double w = 0;
        int i = 0;
        for (Example<Regressor> ex : train) {
            double[] v = values(ex, i++, "Training", names, naturalOfId);
            for (int id = 0; id < d; id++) {
                sum[id] += ex.getWeight() * v[id];
            }
            w += ex.getWeight();
        }
        if (!(w > 0)) {
            throw new IllegalArgumentException("The weights of all " + train.size() + " training examples are 0: nothing to learn from");
        }
        double[] mean = new double[d];
        for (int id = 0; id < d; id++) {
            mean[id] = sum[id] / w;
        }
        double[] sq = new double[d];
        i = 0;
        for (Example<Regressor> ex : train) {
            double[] v = values(ex, i++, "Training", names, naturalOfId);
            for (int id = 0; id < d; id++) {
                sq[id] += ex.getWeight() * (v[id] - mean[id]) * (v[id] - mean[id]);
            }
        }
        double[] std = new double[d];
        for (int id = 0; id < d; id++) {
            std[id] = Math.sqrt(sq[id] / w);
            if (!(std[id] > 1e-12)) {
                logger.warning("Regression dimension '" + names[naturalOfId[id]] + "' is constant (" + mean[id]
                        + ") in the training data; it is standardised with a deviation of 1");
                std[id] = 1;
            }
        }
        return new Standardisation(mean, std, names, naturalOfId);
    }

    @Override
    List<String> outputNames(ImmutableOutputInfo<Regressor> outputs) {
        List<String> l = new ArrayList<>(outputs.size());
        for (int i = 0; i < outputs.size(); i++) {
            l.add(outputs.getOutput(i).getNames()[0]);
        }
        return l;
    }

    @Override
    String task() {
        return "regression model";
    }

    @Override
    Class<LoraDropRegressionModel> modelClass() {
        return LoraDropRegressionModel.class;
    }

    @Override
    LoraDropRegressionModel createModel(ModelProvenance provenance, ImmutableFeatureMap features,
                                        ImmutableOutputInfo<Regressor> outputs, Resources res, ClassifierSpec spec,
                                        float[] params, ModelSettings settings, Targets<Regressor> targets) {
        Standardisation st = (Standardisation) targets;
        return new LoraDropRegressionModel("loradrop-regression-model", provenance, features, outputs, res.encoder(),
                res.base(), res.tokenizer(), spec, params, settings, st.mean(), st.std());
    }

    @Override
    public String toString() {
        return "LoraDropRegressionTrainer(" + (encoder != null ? "encoder=" + encoder : "baseModelPath=" + baseModelPath)
                + ", rank=" + rank + ", dropout=" + dropoutMode + " p=" + dropout + ", epochs=" + epochs + ", learningRate="
                + learningRate + ", loss=" + loss + ", seed=" + seed + ", ensembleSize=" + ensembleSize + ")";
    }

    private static final List<Setting> SETTINGS = readSettings(LoraDropRegressionTrainer.class, new LoraDropRegressionTrainer());
    private static final Map<String, Setting> SETTINGS_BY_NAME = indexSettings(SETTINGS);

    /**
     * Every {@code @Config} setting: {@link LoraDropTrainer#settings()}, then {@code loss}.
     * @return the settings.
     */
    public static List<Setting> settings() {
        return SETTINGS;
    }

    /**
     * Builds a {@link LoraDropRegressionTrainer}: the shared settings by name ({@link #set}, as the CLI does), the
     * loss by its setter.
     */
    public static final class Builder extends SettingsBuilder<LoraDropRegressionTrainer, Builder> {
        private Builder() {
            super(LoraDropRegressionTrainer::new, SETTINGS, SETTINGS_BY_NAME);
        }

        /**
         * Sets {@code loss}; see {@link LoraDropRegressionTrainer#settings()} for its description and default.
         * @param v the value.
         * @return this.
         */
        public Builder loss(RegressionLoss v) {
            draft.loss = v;
            return this;
        }
    }
}
