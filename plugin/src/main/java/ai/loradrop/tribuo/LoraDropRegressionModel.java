/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.calibration.RegressionCalibration;
import ai.loradrop.calibration.VarianceScaling;
import ai.loradrop.interop.AdapterOutputs;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;
import ai.loradrop.text.Tokenizer;
import com.google.protobuf.Any;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import org.tribuo.Dataset;
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
import java.util.Optional;
import java.util.logging.Logger;

/**
 * A text regression model trained by {@link LoraDropRegressionTrainer}: one linear output per Tribuo regression
 * dimension on a LoRA-adapted encoder, trained on targets standardised with the training data's mean and standard
 * deviation, which this model applies back ({@code y = mean + std · z}). A prediction is a {@code Regressor} with every
 * dimension ({@code RegressionEvaluator} works on them).
 * <p>
 * With a test-time ensemble ({@link #withEnsemble}) of K members over LoRA dropout masks, each dimension's value is
 * the members' mean and its variance the members' variance, {@code std² · (1/K) Σₖ (zₖ − z̄)²}, the predictive
 * variance of MC dropout; the deterministic model reports no variance (NaN).
 * <p>
 * <b>Calibration.</b> {@link #fitVariance} fits, on held-out data, what temperature scaling fits for classes: for an
 * ensemble a scale {@code s} per dimension by which the members' variance is multiplied (the Gaussian NLL's
 * minimiser), for the deterministic model a constant variance per dimension (the weighted mean squared residual),
 * so that its predictions carry a variance too. The values are saved with the model and recorded in its instance
 * provenance ({@link #VARIANCE_CALIBRATION}); they belong to one ensemble size, so {@link #withEnsemble} to another
 * size drops them.
 */
public final class LoraDropRegressionModel extends AbstractLoraDropModel<Regressor> {
    private static final long serialVersionUID = 1L;
    private static final Logger logger = Logger.getLogger(LoraDropRegressionModel.class.getName());

    /** Instance-provenance key of the fitted variance calibration (absent when uncalibrated). */
    public static final String VARIANCE_CALIBRATION = "loradrop-variance-calibration";
    /** Smallest member variance a fit sees (members that agree exactly would otherwise give a zero variance). */
    private static final double MIN_VARIANCE = 1e-12;

    private final transient double[] mean;
    private final transient double[] std;
    private final transient String[] names;
    private final transient int[] naturalOfId;
    /** Per dimension in natural order: the ensemble's variance scale or the deterministic variance; null: none. */
    private final transient VarianceScaling calibration;

    LoraDropRegressionModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                            ImmutableOutputInfo<Regressor> outputIDInfo, EncoderModel encoder, BaseModelFile baseFile,
                            Tokenizer tokenizer, ClassifierSpec spec, float[] params, ModelSettings settings,
                            double[] mean, double[] std) {
        this(name, provenance, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer, spec, params, settings, mean, std, null);
    }

    LoraDropRegressionModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                            ImmutableOutputInfo<Regressor> outputIDInfo, EncoderModel encoder, BaseModelFile baseFile,
                            Tokenizer tokenizer, ClassifierSpec spec, float[] params, ModelSettings settings,
                            double[] mean, double[] std, VarianceScaling calibration) {
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
        if (calibration != null && calibration.scales().length != names.length) {
            throw new IllegalArgumentException("The variance calibration has " + calibration.scales().length + " values for "
                    + names.length + " dimensions");
        }
        this.calibration = calibration;
    }

    @Override
    Prediction<Regressor> toPrediction(Example<Regressor> example, double[] z, double[][] members) {
        double[] values = new double[names.length];
        double[] variances = new double[names.length];
        for (int id = 0; id < z.length; id++) {
            int n = naturalOfId[id];
            values[n] = mean[id] + std[id] * z[id];
            if (members == null) {
                variances[n] = calibration == null ? Double.NaN : calibration.scale(n);
            } else {
                double v = 0;
                for (double[] m : members) {
                    v += (m[id] - z[id]) * (m[id] - z[id]);
                }
                variances[n] = std[id] * std[id] * v / members.length * (calibration == null ? 1.0 : calibration.scale(n));
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
     * The fitted variance calibration, if any: per dimension in natural (name) order, the scale of the members'
     * variance for an ensemble, or the constant variance of the deterministic model.
     * @return the calibration, or empty.
     */
    public Optional<VarianceScaling> getVarianceCalibration() {
        return Optional.ofNullable(calibration);
    }

    /**
     * A copy with the given variance calibration (see {@link #getVarianceCalibration()}).
     * @param c per dimension in natural order: the ensemble's variance scale, or the deterministic model's variance;
     *          null for none.
     * @return the new model (with its own sessions; close it separately).
     */
    public LoraDropRegressionModel withVarianceCalibration(VarianceScaling c) {
        ModelProvenance p = withInstanceValue(provenance, VARIANCE_CALIBRATION, c == null ? null : toProvenance(c.scales()));
        return new LoraDropRegressionModel(name, p, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer, spec, params,
                settings, mean, std, c);
    }

    /**
     * A copy calibrated on held-out data, with this model's ensemble setting: an ensemble's variance scale minimising
     * the Gaussian NLL, or the deterministic model's constant variance (the weighted mean squared residual). Example
     * weights are honoured.
     * @param data held-out data with targets (not the training data).
     * @return the new model.
     * @throws IllegalArgumentException when the data is empty or its dimensions differ from the model's.
     */
    public LoraDropRegressionModel fitVariance(Dataset<Regressor> data) {
        RegressionCalibration.PredictionArrays a;
        try (LoraDropRegressionModel raw = withVarianceCalibration(null)) {
            a = RegressionCalibration.fromPredictions(raw.predict(data));
        }
        if (!a.dimensions().equals(List.of(names))) {
            throw new IllegalArgumentException("The data's dimensions " + a.dimensions() + " are not the model's " + List.of(names));
        }
        if (settings.ensembleSize() == 1) {
            return withVarianceCalibration(VarianceScaling.fitConstant(a.mean(), a.target(), a.weights()));
        }
        double[][] v = a.variance();
        for (double[] row : v) {
            for (int d = 0; d < row.length; d++) {
                row[d] = Math.max(MIN_VARIANCE, row[d]);
            }
        }
        return withVarianceCalibration(VarianceScaling.fit(a.mean(), v, a.target(), a.weights()));
    }

    private static ListProvenance<DoubleProvenance> toProvenance(double[] values) {
        List<DoubleProvenance> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(new DoubleProvenance(VARIANCE_CALIBRATION, v));
        }
        return new ListProvenance<>(out);
    }

    /**
     * A copy that predicts with a test-time ensemble over LoRA dropout masks (mean and variance of the members).
     * A variance calibration belongs to the ensemble size it was fitted for: it is kept for the same size (another
     * seed draws other masks from the same distribution) and dropped for another (a warning is logged).
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
        ModelProvenance p = LoraDropModel.provenanceWithOptions(provenance, s);
        if (k == settings.ensembleSize()) {
            return new LoraDropRegressionModel(name, p, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer, spec, params,
                    s, mean, std, calibration);
        }
        if (calibration != null) {
            logger.warning("The variance calibration was fitted for ensemble size " + settings.ensembleSize()
                    + "; the copy with ensemble size " + k + " has none (fit it again with fitVariance)");
        }
        return new LoraDropRegressionModel(name, withInstanceValue(p, VARIANCE_CALIBRATION, null), featureIDMap, outputIDInfo,
                encoder, baseFile, tokenizer, spec, params, s, mean, std);
    }

    /**
     * A copy whose serialized form embeds the base encoder, or references it by path and SHA-256.
     * @param embed whether to embed it.
     * @return the new model.
     */
    public LoraDropRegressionModel withBaseModelEmbedded(boolean embed) {
        return withSettings(settings.withEmbedBaseModel(embed));
    }

    /**
     * A copy that reads texts longer than {@link #getMaxLength()} tokens another way; with {@link LongText#WINDOWS}
     * a document's value is the mean of its windows' values (the standardisation is linear, so in either units), and
     * an ensemble's variance the variance of the members' window means. A variance calibration is kept: it was
     * fitted on documents read the model's own way, so refit it ({@link #fitVariance}) for another.
     * @param mode what to do with long texts.
     * @param stride {@link LongText#WINDOWS} only: word pieces between the starts of two windows.
     * @return the new model (with its own sessions; close it separately).
     * @throws IllegalArgumentException when the stride does not fit the window, or the model reads sentence pairs and
     *                                  the mode is not {@code TRUNCATE}.
     */
    @Override
    public LoraDropRegressionModel withLongText(LongText mode, int stride) {
        return withSettings(longTextSettings(settings, tokenizer, mode, stride));
    }

    /**
     * A copy whose ONNX Runtime sessions use {@code n} intra-op threads (0: ONNX Runtime's choice); predictions are
     * the same.
     * @param n the thread count, from 0 to the machine's cores.
     * @return the new model (with its own sessions; close it separately).
     * @throws IllegalArgumentException when {@code n} is negative or more than the machine's cores.
     */
    @Override
    public LoraDropRegressionModel withThreads(int n) {
        return withSettings(threadSettings(settings, n));
    }

    /**
     * A copy whose deterministic (merged) prediction program, and merged ONNX export, treat the LoRA update of int8
     * layers as {@code form} says ({@link QuantizedMerge#DESCRIPTION}); predictions change slightly with
     * {@link QuantizedMerge#REQUANTIZE} on an int8 base, and not at all on a float or 4-bit base or for an ensemble.
     * @param form the form.
     * @return the new model (with its own sessions; close it separately).
     */
    @Override
    public LoraDropRegressionModel withQuantizedMerge(QuantizedMerge form) {
        return withSettings(quantizedMergeSettings(settings, form));
    }

    /** A copy with other settings of the same ensemble size (the variance calibration is kept). */
    private LoraDropRegressionModel withSettings(ModelSettings s) {
        checkOpen();
        return new LoraDropRegressionModel(name, LoraDropModel.provenanceWithOptions(provenance, s), featureIDMap,
                outputIDInfo, encoder, baseFile, tokenizer, spec, params, s, mean, std, calibration);
    }

    @Override
    protected LoraDropRegressionModel copy(String newName, ModelProvenance newProvenance) {
        return new LoraDropRegressionModel(newName, newProvenance, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer,
                spec, params, settings, mean, std, calibration);
    }

    @Override
    ModelCodec.OutputSettings outputSettings() {
        return new ModelCodec.OutputSettings(0.5, mean, std, new double[0],
                calibration == null ? new double[0] : calibration.scales());
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
                p.payload().outputs().targetMean(), p.payload().outputs().targetStd(),
                p.payload().outputs().varianceScale().length == 0 ? null : VarianceScaling.of(p.payload().outputs().varianceScale()));
    }
}
