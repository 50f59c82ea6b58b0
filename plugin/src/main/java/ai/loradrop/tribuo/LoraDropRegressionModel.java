/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.AdapterOutputs;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.text.Tokenizer;
import com.google.protobuf.Any;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.regression.ImmutableRegressionInfo;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A text regression model trained by {@link LoraDropRegressionTrainer}: one linear output per Tribuo regression
 * dimension on a LoRA-adapted encoder, trained on targets standardised with the training data's mean and standard
 * deviation, which this model applies back ({@code y = mean + std · z}). A prediction is a {@code Regressor} with every
 * dimension ({@code RegressionEvaluator} works on them).
 * <p>
 * With a test-time ensemble ({@link #withEnsemble}) of K members over LoRA dropout masks, each dimension's value is
 * the members' mean and its variance the members' variance, {@code std² · (1/K) Σₖ (zₖ − z̄)²}, the predictive
 * variance of MC dropout; the deterministic model reports no variance (NaN).
 */
public final class LoraDropRegressionModel extends AbstractLoraDropModel<Regressor> {
    private static final long serialVersionUID = 1L;

    private final transient double[] mean;
    private final transient double[] std;
    private final transient String[] names;
    private final transient int[] naturalOfId;

    LoraDropRegressionModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                            ImmutableOutputInfo<Regressor> outputIDInfo, EncoderModel encoder, BaseModelFile baseFile,
                            Tokenizer tokenizer, ClassifierSpec spec, float[] params, ModelSettings settings,
                            double[] mean, double[] std) {
        super(name, provenance, featureIDMap, outputIDInfo, false, encoder, baseFile, tokenizer, spec, params, settings);
        if (mean.length != outputIDInfo.size() || std.length != outputIDInfo.size()) {
            throw new IllegalArgumentException("The target standardisation has " + mean.length + " means and " + std.length
                    + " deviations for " + outputIDInfo.size() + " dimensions");
        }
        for (double s : std) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("Target standard deviations must be positive and finite, got " + s);
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
        this.names = Regressor.extractNames(outputIDInfo);
        this.naturalOfId = ((ImmutableRegressionInfo) outputIDInfo).getIDtoNaturalOrderMapping();
    }

    @Override
    Prediction<Regressor> toPrediction(Example<Regressor> example, double[] z, double[][] members) {
        double[] values = new double[names.length];
        double[] variances = new double[names.length];
        for (int id = 0; id < z.length; id++) {
            int n = naturalOfId[id];
            values[n] = mean[id] + std[id] * z[id];
            if (members == null) {
                variances[n] = Double.NaN;
            } else {
                double v = 0;
                for (double[] m : members) {
                    v += (m[id] - z[id]) * (m[id] - z[id]);
                }
                variances[n] = std[id] * std[id] * v / members.length;
            }
        }
        return new Prediction<>(new Regressor(names, values, variances), example.size(), example);
    }

    @Override
    Regressor unknownOutput() {
        return RegressionFactory.UNKNOWN_REGRESSOR;
    }

    /**
     * The training means of the targets, in output id order.
     * @return the means.
     */
    public double[] getTargetMeans() {
        return mean.clone();
    }

    /**
     * The training standard deviations of the targets, in output id order.
     * @return the deviations.
     */
    public double[] getTargetStandardDeviations() {
        return std.clone();
    }

    /**
     * A copy that predicts with a test-time ensemble over LoRA dropout masks (mean and variance of the members).
     * @param k the ensemble size; 1 gives the deterministic model.
     * @param seed the seed of the members' masks.
     * @return the new model (with its own sessions; close it separately).
     */
    public LoraDropRegressionModel withEnsemble(int k, long seed) {
        if (k < 1) {
            throw new IllegalArgumentException("Ensemble size must be at least 1, got " + k);
        }
        LoraDropModel.checkEnsembleMemory(encoder, spec.lora(), k, "Ensemble size");
        ModelSettings s = settings.withEnsemble(k, seed);
        return new LoraDropRegressionModel(name, LoraDropModel.provenanceWithOptions(provenance, s), featureIDMap,
                outputIDInfo, encoder, baseFile, tokenizer, spec, params, s, mean, std);
    }

    /**
     * A copy whose serialized form embeds the base encoder, or references it by path and SHA-256.
     * @param embed whether to embed it.
     * @return the new model.
     */
    public LoraDropRegressionModel withBaseModelEmbedded(boolean embed) {
        ModelSettings s = settings.withEmbedBaseModel(embed);
        return new LoraDropRegressionModel(name, LoraDropModel.provenanceWithOptions(provenance, s), featureIDMap,
                outputIDInfo, encoder, baseFile, tokenizer, spec, params, s, mean, std);
    }

    @Override
    protected LoraDropRegressionModel copy(String newName, ModelProvenance newProvenance) {
        return new LoraDropRegressionModel(newName, newProvenance, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer,
                spec, params, settings, mean, std);
    }

    @Override
    ModelCodec.OutputSettings outputSettings() {
        return new ModelCodec.OutputSettings(0.5, mean, std);
    }

    @Override
    ModelExport.Head exportHead() {
        List<String> ids = new ArrayList<>(names.length);
        for (int id = 0; id < names.length; id++) {
            ids.add(names[naturalOfId[id]]);
        }
        String note = "the training target standardisation (mean " + Arrays.toString(mean) + ", std "
                + Arrays.toString(std) + ") folded into the head: predictions are in the targets' units";
        return new ModelExport.Head(ids, std, mean, note, AdapterOutputs.regression(mean, std), null);
    }

    /**
     * Reads a PEFT LoRA adapter folder of a regression head (written by {@link #exportAdapter}, or by PEFT for
     * {@code problem_type="regression"}) onto its base encoder. The dimension names come from {@code names}, else
     * {@value ai.loradrop.interop.AdapterLabels#FILE_NAME}, else the head rows' indices; the target standardisation
     * from the adapter's sidecar, so that predictions are in the training targets' units (an adapter written by PEFT
     * records none: its head's outputs are taken as the predictions). The settings otherwise follow
     * {@link LoraDropModel#fromAdapter(Path, Path, Path, List, int, AdapterImportOptions)}.
     * @param baseModel the base encoder's ONNX file.
     * @param tokenizer its tokenizer ({@code tokenizer.json} or {@code vocab.txt}).
     * @param adapterDir the adapter folder.
     * @param names the dimension names in head-row order, or null for the adapter's own.
     * @param maxLength tokens per example, or 0 for the adapter's recorded length (else the trainer's default).
     * @param options text keys, pooling for sidecar-less adapters, threads, batch size (no threshold).
     * @return the model; close it after use.
     * @throws IOException when a file is missing or invalid, the adapter does not fit the encoder, or its sidecar
     *                     records another problem type (the message names the file and the type).
     */
    public static LoraDropRegressionModel fromAdapter(Path baseModel, Path tokenizer, Path adapterDir, List<String> names,
                                                      int maxLength, AdapterImportOptions options) throws IOException {
        return AdapterImport.loadRegression(baseModel, tokenizer, adapterDir, names, maxLength, options);
    }

    /**
     * Deserialization factory, called by Tribuo's {@code ProtoUtil} (through {@code Model.deserialize}).
     * @param version the serialized version.
     * @param className the class name.
     * @param message the payload.
     * @return the model.
     * @throws IOException when the payload is corrupt or the base encoder file cannot be read.
     */
    public static LoraDropRegressionModel deserializeFromProto(int version, String className, Any message) throws IOException {
        Parts p = readParts(version, message, Regressor.class, "LoraDropRegressionModel");
        @SuppressWarnings("unchecked") // checked by readParts
        ImmutableOutputInfo<Regressor> outputs = (ImmutableOutputInfo<Regressor>) p.carrier().outputDomain();
        return new LoraDropRegressionModel(p.carrier().name(), p.carrier().provenance(), p.carrier().featureDomain(), outputs,
                p.encoder(), p.baseFile(), p.tokenizer(), p.payload().spec(), p.payload().params(), p.payload().settings(),
                p.payload().outputs().targetMean(), p.payload().outputs().targetStd());
    }
}
