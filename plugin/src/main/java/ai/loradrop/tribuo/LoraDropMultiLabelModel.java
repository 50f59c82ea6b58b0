/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.calibration.MultiLabelCalibration;
import ai.loradrop.calibration.MultiLabelTemperatureScaling;
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
import org.tribuo.classification.Label;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.MultiLabelFactory;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A multi-label text model trained by {@link LoraDropMultiLabelTrainer}: one sigmoid per label on a LoRA-adapted
 * encoder. A prediction's {@code MultiLabel} holds the labels whose probability reaches the decision threshold (each
 * {@code Label} carrying its probability), and its output scores hold every label with its probability, as Tribuo's
 * multi-label models give them ({@code MultiLabelEvaluator} works on them). With a test-time ensemble
 * ({@link #withEnsemble}) a label's probability is the mean of the members' sigmoids.
 * <p>
 * <b>Calibration.</b> {@link #fitTemperatures} fits a temperature (one shared, or one per label) on held-out data
 * and returns a model that reports {@code σ(logit(p) / T)} for each label's probability {@code p} (the deterministic
 * sigmoid or the ensemble's mean), the multi-label form of temperature scaling; the temperatures are saved with the
 * model and recorded in its instance provenance ({@link #LABEL_TEMPERATURES}).
 * <p>
 * Serialization (protobuf and Java) embeds or references the base encoder as {@link LoraDropModel} does.
 */
public final class LoraDropMultiLabelModel extends AbstractLoraDropModel<MultiLabel> {
    private static final long serialVersionUID = 1L;

    /** Instance-provenance key of the fitted temperatures (absent when uncalibrated). */
    public static final String LABEL_TEMPERATURES = "loradrop-label-temperatures";

    private final transient double threshold;
    /** The fitted temperatures, or null when uncalibrated. */
    private final transient MultiLabelTemperatureScaling temperatures;

    LoraDropMultiLabelModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                            ImmutableOutputInfo<MultiLabel> outputIDInfo, EncoderModel encoder, BaseModelFile baseFile,
                            Tokenizer tokenizer, ClassifierSpec spec, float[] params, ModelSettings settings, double threshold) {
        this(name, provenance, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer, spec, params, settings, threshold, null);
    }

    LoraDropMultiLabelModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                            ImmutableOutputInfo<MultiLabel> outputIDInfo, EncoderModel encoder, BaseModelFile baseFile,
                            Tokenizer tokenizer, ClassifierSpec spec, float[] params, ModelSettings settings, double threshold,
                            MultiLabelTemperatureScaling temperatures) {
        super(name, provenance, featureIDMap, outputIDInfo, true, encoder, baseFile, tokenizer, spec, params, settings);
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("The decision threshold must be in (0, 1), got " + threshold);
        }
        if (temperatures != null && !temperatures.isShared() && temperatures.temperatures().length != outputIDInfo.size()) {
            throw new IllegalArgumentException("There are " + temperatures.temperatures().length + " per-label temperatures"
                    + " for " + outputIDInfo.size() + " labels");
        }
        this.threshold = threshold;
        this.temperatures = temperatures;
    }

    /** The stored temperatures as saved: empty (uncalibrated), one shared, or one per label in id order. */
    private static MultiLabelTemperatureScaling temperatures(double[] saved) {
        return saved.length == 0 ? null : saved.length == 1 ? MultiLabelTemperatureScaling.shared(saved[0])
                : MultiLabelTemperatureScaling.perLabel(saved);
    }

    @Override
    Prediction<MultiLabel> toPrediction(Example<MultiLabel> example, double[] p, double[][] members) {
        Map<String, MultiLabel> scores = new LinkedHashMap<>(p.length * 2);
        Set<Label> chosen = new LinkedHashSet<>();
        for (int j = 0; j < p.length; j++) {
            String name = outputIDInfo.getOutput(j).getLabelString();
            double pj = temperatures == null ? p[j] : tempered(p[j], temperatures.temperature(j));
            Label l = new Label(name, pj);
            scores.put(name, new MultiLabel(l));
            if (pj >= threshold) {
                chosen.add(l);
            }
        }
        return new Prediction<>(new MultiLabel(chosen), scores, example.size(), example, true);
    }

    /** {@code σ(logit(p) / t)}; 0 and 1 stay where they are. */
    private static double tempered(double p, double t) {
        double logit = Math.log(p) - Math.log1p(-p);
        return 1.0 / (1.0 + Math.exp(-logit / t));
    }

    @Override
    MultiLabel unknownOutput() {
        return MultiLabelFactory.UNKNOWN_MULTILABEL;
    }

    /**
     * The decision threshold on each label's probability.
     * @return the threshold.
     */
    public double getThreshold() {
        return threshold;
    }

    /**
     * A copy that decides with another threshold.
     * @param t the threshold, in (0, 1).
     * @return the new model (with its own sessions; close it separately).
     */
    public LoraDropMultiLabelModel withThreshold(double t) {
        return new LoraDropMultiLabelModel(name, provenance, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer, spec,
                params, settings, t, temperatures);
    }

    /**
     * The temperatures this model applies, if it was calibrated.
     * @return the temperatures (shared, or per label in output id order), or empty.
     */
    public Optional<MultiLabelTemperatureScaling> getTemperatures() {
        return Optional.ofNullable(temperatures);
    }

    /**
     * A copy that applies the given temperatures to each label's probability ({@code σ(logit(p) / T)}).
     * @param t the temperatures (shared, or one per label in output id order); null for none.
     * @return the new model (with its own sessions; close it separately).
     */
    public LoraDropMultiLabelModel withTemperatures(MultiLabelTemperatureScaling t) {
        ListProvenance<DoubleProvenance> values = new ListProvenance<>(t == null ? List.of() : toProvenance(t.temperatures()));
        return new LoraDropMultiLabelModel(name, withInstanceValue(provenance, LABEL_TEMPERATURES, t == null ? null : values),
                featureIDMap, outputIDInfo, encoder, baseFile, tokenizer, spec, params, settings, threshold, t);
    }

    /**
     * A copy calibrated on held-out data: the temperatures minimising the mean binary cross-entropy of this model's
     * own (untempered) probabilities, with this model's ensemble setting. Example weights are ignored, as in
     * {@link LoraDropModel#fitTemperature}.
     * @param data held-out labelled data (not the training data).
     * @param perLabel one temperature per label (else one shared by all).
     * @return the new model.
     * @throws IllegalArgumentException when the data is empty or holds a label outside the model's domain.
     */
    public LoraDropMultiLabelModel fitTemperatures(Dataset<MultiLabel> data, boolean perLabel) {
        List<Prediction<MultiLabel>> predictions;
        try (LoraDropMultiLabelModel raw = withTemperatures(null)) {
            predictions = raw.predict(data);
        }
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("Temperature scaling needs at least one labelled example");
        }
        MultiLabelCalibration.PredictionArrays a = MultiLabelCalibration.fromPredictions(predictions);
        int[] column = new int[outputIDInfo.size()];
        for (int id = 0; id < column.length; id++) {
            column[id] = a.labels().indexOf(outputIDInfo.getOutput(id).getLabelString());
        }
        double[][] logits = new double[a.probs().length][column.length];
        boolean[][] targets = new boolean[a.probs().length][column.length];
        for (int i = 0; i < logits.length; i++) {
            for (int id = 0; id < column.length; id++) {
                // Clamped so that a saturated sigmoid gives a finite logit.
                double q = Math.min(1 - 1e-12, Math.max(1e-12, a.probs()[i][column[id]]));
                logits[i][id] = Math.log(q) - Math.log1p(-q);
                targets[i][id] = a.targets()[i][column[id]];
            }
        }
        return withTemperatures(perLabel ? MultiLabelTemperatureScaling.fitPerLabel(logits, targets)
                : MultiLabelTemperatureScaling.fitShared(logits, targets));
    }

    private static List<DoubleProvenance> toProvenance(double[] values) {
        List<DoubleProvenance> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(new DoubleProvenance(LABEL_TEMPERATURES, v));
        }
        return out;
    }

    /**
     * A copy that predicts with a test-time ensemble over LoRA dropout masks (mean of the members' sigmoids).
     * @param k the ensemble size; 1 gives the deterministic model.
     * @param seed the seed of the members' masks.
     * @return the new model (with its own sessions; close it separately).
     */
    public LoraDropMultiLabelModel withEnsemble(int k, long seed) {
        if (k < 1) {
            throw new IllegalArgumentException("Ensemble size must be at least 1, got " + k);
        }
        LoraDropModel.checkEnsembleMemory(encoder, spec.lora(), k, "Ensemble size");
        return withSettings(settings.withEnsemble(k, seed));
    }

    /**
     * A copy whose serialized form embeds the base encoder, or references it by path and SHA-256.
     * @param embed whether to embed it.
     * @return the new model.
     */
    public LoraDropMultiLabelModel withBaseModelEmbedded(boolean embed) {
        return withSettings(settings.withEmbedBaseModel(embed));
    }

    /**
     * A copy that reads texts longer than {@link #getMaxLength()} tokens another way; with {@link LongText#WINDOWS}
     * a label's probability is the mean of the windows' probabilities (sigmoids; for an ensemble the members' mean
     * of them), to which the threshold and any temperature then apply.
     * @param mode what to do with long texts.
     * @param stride {@link LongText#WINDOWS} only: word pieces between the starts of two windows.
     * @return the new model (with its own sessions; close it separately).
     * @throws IllegalArgumentException when the stride does not fit the window, or the model reads sentence pairs and
     *                                  the mode is not {@code TRUNCATE}.
     */
    @Override
    public LoraDropMultiLabelModel withLongText(LongText mode, int stride) {
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
    public LoraDropMultiLabelModel withThreads(int n) {
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
    public LoraDropMultiLabelModel withQuantizedMerge(QuantizedMerge form) {
        return withSettings(quantizedMergeSettings(settings, form));
    }

    private LoraDropMultiLabelModel withSettings(ModelSettings s) {
        checkOpen();
        return new LoraDropMultiLabelModel(name, LoraDropModel.provenanceWithOptions(provenance, s), featureIDMap,
                outputIDInfo, encoder, baseFile, tokenizer, spec, params, s, threshold, temperatures);
    }

    @Override
    protected LoraDropMultiLabelModel copy(String newName, ModelProvenance newProvenance) {
        return new LoraDropMultiLabelModel(newName, newProvenance, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer,
                spec, params, settings, threshold, temperatures);
    }

    @Override
    ModelCodec.OutputSettings outputSettings() {
        return new ModelCodec.OutputSettings(threshold, new double[0], new double[0],
                temperatures == null ? new double[0] : temperatures.temperatures(), new double[0]);
    }

    @Override
    ModelExport.Head exportHead() {
        java.util.List<String> names = new java.util.ArrayList<>(outputIDInfo.size());
        for (int id = 0; id < outputIDInfo.size(); id++) {
            names.add(outputIDInfo.getOutput(id).getLabelString());
        }
        if (temperatures == null) {
            return ModelExport.Head.unchanged(names, AdapterOutputs.multiLabel(threshold));
        }
        // σ(z / T) = σ((W/T) h + b/T): the merged model's probabilities are this model's own.
        double[] scale = new double[names.size()];
        for (int id = 0; id < scale.length; id++) {
            scale[id] = 1.0 / temperatures.temperature(id);
        }
        return new ModelExport.Head(names, scale, new double[names.size()], "temperatures " + temperatures
                + " folded into the head", AdapterOutputs.multiLabel(threshold), "The model's temperatures " + temperatures
                + " are not part of a PEFT adapter; the exported head gives the untempered probabilities");
    }

    /**
     * Reads a PEFT LoRA adapter folder of a multi-label head (written by {@link #exportAdapter}, or by PEFT for
     * {@code problem_type="multi_label_classification"}) onto its base encoder. The labels come from
     * {@code labels}, else {@value ai.loradrop.interop.AdapterLabels#FILE_NAME}, else the head rows' indices; the
     * decision threshold from {@link AdapterImportOptions#threshold()}, else the one the adapter's sidecar records,
     * else {@link LoraDropMultiLabelTrainer}'s default. The settings otherwise follow
     * {@link LoraDropModel#fromAdapter(Path, Path, Path, List, int, AdapterImportOptions)}.
     * @param baseModel the base encoder's ONNX file.
     * @param tokenizer its tokenizer ({@code tokenizer.json} or {@code vocab.txt}).
     * @param adapterDir the adapter folder.
     * @param labels the labels in head-row order, or null for the adapter's own.
     * @param maxLength tokens per example, or 0 for the adapter's recorded length (else the trainer's default).
     * @param options text keys, pooling for sidecar-less adapters, threshold, threads, batch size.
     * @return the model; close it after use.
     * @throws IOException when a file is missing or invalid, the adapter does not fit the encoder, or its sidecar
     *                     records another problem type (the message names the file and the type).
     */
    public static LoraDropMultiLabelModel fromAdapter(Path baseModel, Path tokenizer, Path adapterDir, List<String> labels,
                                                      int maxLength, AdapterImportOptions options) throws IOException {
        return AdapterImport.loadMultiLabel(baseModel, tokenizer, adapterDir, labels, maxLength, options);
    }

    /**
     * Deserialization factory, called by Tribuo's {@code ProtoUtil} (through {@code Model.deserialize}).
     * @param version the serialized version.
     * @param className the class name.
     * @param message the payload.
     * @return the model.
     * @throws IOException when the payload is corrupt or the base encoder file cannot be read.
     */
    public static LoraDropMultiLabelModel deserializeFromProto(int version, String className, Any message) throws IOException {
        Parts p = readParts(version, message, MultiLabel.class, "LoraDropMultiLabelModel");
        @SuppressWarnings("unchecked") // checked by readParts
        ImmutableOutputInfo<MultiLabel> outputs = (ImmutableOutputInfo<MultiLabel>) p.carrier().outputDomain();
        return new LoraDropMultiLabelModel(p.carrier().name(), p.carrier().provenance(), p.carrier().featureDomain(), outputs,
                p.encoder(), p.baseFile(), p.tokenizer(), p.payload().spec(), p.payload().params(), p.payload().settings(),
                p.payload().outputs().threshold(), temperatures(p.payload().outputs().labelTemperature()));
    }
}
