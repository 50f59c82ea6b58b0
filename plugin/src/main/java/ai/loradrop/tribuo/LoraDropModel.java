/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.io.Sha256;
import ai.loradrop.calibration.TemperatureScaling;
import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.interop.TokenizerFit;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.OnnxModels;
import ai.loradrop.programs.Batch;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.EnsemblePredict;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;
import ai.loradrop.text.Tokenizer;
import ai.loradrop.train.Batcher;
import ai.loradrop.train.DocumentEncoder;
import ai.loradrop.train.EncodedExample;
import ai.loradrop.tribuo.data.TextExamples;
import ai.onnxruntime.OrtException;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.oracle.labs.mlrg.olcut.provenance.MapProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.BooleanProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.EnumProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import com.oracle.labs.mlrg.olcut.util.Pair;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ModelDataCarrier;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Logger;

/**
 * A text classifier fine-tuned with LoRA by {@link LoraDropTrainer}: a frozen ONNX encoder, LoRA adapters, pooling and
 * a linear head, as a Tribuo {@code Model<Label>}.
 * <p>
 * <b>Input.</b> Each example's text is read from its metadata under {@link #getTextKey()} (and, for sentence pairs,
 * the second text under {@link #getPairKey()}), tokenized with the tokenizer the model was trained with and
 * truncated to {@link #getMaxLength()} tokens. Features are ignored (see {@link TextExamples}).
 * <p>
 * <b>Output.</b> Predictions carry probabilities ({@link #generatesProbabilities()} is true) and are
 * {@link LoraDropPrediction}s holding an {@link Uncertainty}; {@link #uncertainty(Prediction)} reads it.
 * The reported distribution is {@code softmax(log p̄ / T)}: {@code p̄} is the deterministic model's softmax when the
 * ensemble size {@code K} is 1, else the mean of the {@code K} members' softmax outputs, each member using a fixed
 * set of LoRA dropout masks drawn from the ensemble seed; {@code T} is the temperature (1 by default). For
 * {@code K = 1} this is exactly {@code softmax(z / T)} of the logits {@code z}.
 * <p>
 * <b>Options.</b> {@link #withEnsemble(int, long)}, {@link #withTemperature(double)},
 * {@link #fitTemperature(Dataset)}, {@link #withBaseModelEmbedded(boolean)} and
 * {@link #withQuantizedMerge(QuantizedMerge)} return new models (the receiver is unchanged) whose provenance records
 * the option in its instance values ({@link #ENSEMBLE_SIZE}, {@link #ENSEMBLE_SEED}, {@link #TEMPERATURE},
 * {@link #EMBED_BASE_MODEL}, {@link #QUANTIZED_MERGE}).
 * <p>
 * <b>Resources.</b> ONNX Runtime sessions are created on first use, one per model object, and released by
 * {@link #close()} (or, as a fallback, when the model becomes unreachable). A closed model throws
 * {@link IllegalStateException}. Predictions are thread-safe; {@code close()} waits for running predictions.
 * <p>
 * <b>Serialization.</b> Tribuo protobuf ({@link #serialize()}, {@link Model#deserializeFromFile(Path)}) stores the
 * adapter and head parameters, the tokenizer, the label domain, the options, the provenance and either the base
 * encoder itself or a reference to its file (absolute path, SHA-256 and size), which is checked when the model is
 * loaded. Java serialization writes the same protobuf bytes.
 */
public final class LoraDropModel extends Model<Label> implements AutoCloseable, ReadingOptions<LoraDropModel> {
    private static final long serialVersionUID = 1L;
    private static final Logger logger = Logger.getLogger(LoraDropModel.class.getName());
    private static final Cleaner CLEANER = Cleaner.create();

    /**
     * The protobuf serialization version this class writes and the highest it reads. Version 1 added the SHA-256
     * record of the file's parts (checked on load); version 0 files still load. The schema is
     * {@code ai/loradrop/tribuo/loradrop-model.proto} in this jar.
     */
    public static final int CURRENT_VERSION = 1;

    /** Instance-provenance key of the ensemble size. */
    public static final String ENSEMBLE_SIZE = "loradrop-ensemble-size";
    /** Instance-provenance key of the ensemble seed. */
    public static final String ENSEMBLE_SEED = "loradrop-ensemble-seed";
    /** Instance-provenance key of the temperature. */
    public static final String TEMPERATURE = "loradrop-temperature";
    /** Instance-provenance key of whether the base encoder is embedded in the serialized model. */
    public static final String EMBED_BASE_MODEL = "loradrop-embed-base-model";
    /** Instance-provenance key of the int8 prediction form ({@link QuantizedMerge}) of the deterministic program. */
    public static final String QUANTIZED_MERGE = "loradrop-quantized-merge";

    /** Floor applied to ensemble mean probabilities before the logarithm, so log-scores stay finite. */
    private static final double PROBABILITY_FLOOR = 1e-30;

    private final transient EncoderModel encoder;
    private final transient BaseModelFile baseFile;
    private final transient Tokenizer tokenizer;
    private final transient ClassifierSpec spec;
    private final transient float[] params;
    private final transient ModelSettings settings;
    private final transient ModelSessions sessions;
    private final transient Cleaner.Cleanable cleanable;

    /**
     * Creates a model; validates that the parts fit together.
     */
    LoraDropModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                  ImmutableOutputInfo<Label> outputIDInfo, EncoderModel encoder, BaseModelFile baseFile,
                  Tokenizer tokenizer, ClassifierSpec spec, float[] params, ModelSettings settings) {
        super(name, provenance, featureIDMap, outputIDInfo, true);
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.baseFile = Objects.requireNonNull(baseFile, "baseFile");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.params = params.clone();
        this.settings = Objects.requireNonNull(settings, "settings");
        validateParts();
        this.sessions = new ModelSessions(encoder, spec, this.params, settings);
        this.cleanable = CLEANER.register(this, sessions);
    }

    private void validateParts() {
        if (spec.numClasses() != outputIDInfo.size()) {
            throw new IllegalArgumentException("The classifier has " + spec.numClasses() + " classes but the label domain has "
                    + outputIDInfo.size() + ": " + outputIDInfo.getDomain());
        }
        for (int i = 0; i < outputIDInfo.size(); i++) {
            if (outputIDInfo.getOutput(i) == null) {
                throw new IllegalArgumentException("The label domain has no label with id " + i + "; ids must be 0.."
                        + (outputIDInfo.size() - 1));
            }
        }
        int expected = new ParameterLayout(LoraSurgery.select(encoder, spec.lora()), spec.lora().rank(),
                encoder.hiddenSize(), spec.numClasses()).size();
        if (params.length != expected) {
            throw new IllegalArgumentException("The parameter vector holds " + params.length + " values but this encoder, LoRA"
                    + " configuration and label count need " + expected);
        }
        TokenizerFit.check(tokenizer, encoder, "of the model", "of the model");
        encoder.checkMaxLength(settings.maxLength(), "maxLength");
        if (settings.ensembleSize() > 1 && !spec.lora().hasDropout()) {
            throw new IllegalArgumentException("An ensemble (size " + settings.ensembleSize() + ") needs LoRA dropout, but this"
                    + " model was trained with dropout mode " + spec.lora().dropoutMode() + " and p = " + spec.lora().dropout());
        }
    }

    // ---------------------------------------------------------------------------------------------- prediction

    @Override
    public LoraDropPrediction predict(Example<Label> example) {
        return predictAll(List.of(example)).get(0);
    }

    @Override
    public List<Prediction<Label>> predict(Iterable<Example<Label>> examples) {
        return innerPredict(examples);
    }

    /**
     * Predicts in batches of similar length (one ONNX Runtime call per batch).
     * @param examples the examples.
     * @return the predictions, in input order.
     */
    @Override
    protected List<Prediction<Label>> innerPredict(Iterable<Example<Label>> examples) {
        List<Example<Label>> list = new ArrayList<>();
        examples.forEach(list::add);
        return new ArrayList<>(predictAll(list));
    }

    /**
     * Classifies a text.
     * @param text the text.
     * @return the prediction.
     * @throws IllegalArgumentException when the model expects sentence pairs, or the text is blank.
     */
    public LoraDropPrediction predict(String text) {
        if (settings.pairKey() != null) {
            throw new IllegalArgumentException("This model classifies sentence pairs (metadata key '" + settings.pairKey()
                    + "'); use predict(text, pair)");
        }
        return predict(textExample(text, null));
    }

    /**
     * Classifies a sentence pair.
     * @param text the first text.
     * @param pair the second text.
     * @return the prediction.
     * @throws IllegalArgumentException when the model classifies single texts, or a text is blank.
     */
    public LoraDropPrediction predict(String text, String pair) {
        if (settings.pairKey() == null) {
            throw new IllegalArgumentException("This model classifies single texts; use predict(text)");
        }
        return predict(textExample(text, Objects.requireNonNull(pair, "pair")));
    }

    private Example<Label> textExample(String text, String pair) {
        Objects.requireNonNull(text, "text");
        Map<String, Object> metadata = new HashMap<>(4);
        metadata.put(settings.textKey(), text);
        if (pair != null) {
            metadata.put(settings.pairKey(), pair);
        }
        return TextExamples.withMetadata(LabelFactory.UNKNOWN_LABEL, 1f, metadata);
    }

    /**
     * The uncertainty of a prediction made by a {@code LoraDropModel}.
     * @param prediction the prediction.
     * @return its uncertainty.
     * @throws IllegalArgumentException when the prediction was not made by a {@code LoraDropModel} (or went through
     *                                  protobuf serialization, which keeps only Tribuo's fields).
     */
    public static Uncertainty uncertainty(Prediction<Label> prediction) {
        if (prediction instanceof LoraDropPrediction p) {
            return p.getUncertainty();
        }
        throw new IllegalArgumentException("Not a prediction of a LoraDropModel (found " + prediction.getClass().getName()
                + "); only LoraDropPrediction carries an uncertainty");
    }

    private List<LoraDropPrediction> predictAll(List<Example<Label>> examples) {
        if (examples.isEmpty()) {
            sessions.checkOpen();
            return List.of();
        }
        DocumentEncoder.Rows encoded = encode(examples);
        Scores scores = score(encoded);
        int c = spec.numClasses();
        List<LoraDropPrediction> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            double[] p = softmax(scores.logScores[i], settings.temperature());
            Uncertainty u = scores.members == null ? Uncertainty.ofDeterministic(p) : Uncertainty.ofEnsemble(p, scores.members[i]);
            Map<String, Label> map = new LinkedHashMap<>(c * 2);
            int best = Uncertainty.argMax(p);
            for (int j = 0; j < c; j++) {
                String name = outputIDInfo.getOutput(j).getLabel();
                map.put(name, new Label(name, p[j]));
            }
            Label top = new Label(outputIDInfo.getOutput(best).getLabel(), p[best]);
            Example<Label> ex = examples.get(i);
            out.add(new LoraDropPrediction(top, map, ex.size(), ex, u));
        }
        return out;
    }

    /** The model's text-to-rows step (the same one the trainer used). */
    DocumentEncoder documentEncoder() {
        return new DocumentEncoder(tokenizer, settings.maxLength(), settings.longText(), settings.windowStride());
    }

    private DocumentEncoder.Rows encode(List<Example<Label>> examples) {
        List<DocumentEncoder.Document> docs = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            docs.add(TextExamples.document(examples.get(i), i, settings.textKey(), settings.pairKey(), -1));
        }
        DocumentEncoder.Rows rows = documentEncoder().encode(docs);
        if (rows.truncated() > 0) {
            logger.fine(() -> rows.truncated() + " of " + examples.size() + " examples were longer than "
                    + settings.maxLength() + " tokens (" + settings.longText() + ")");
        }
        return rows;
    }

    /**
     * The raw scores of examples, before any temperature, in one pass: for the deterministic model its logits; for a
     * test-time ensemble the log of the members' mean probability and every member's probabilities. Experiments use
     * them to derive several variants (temperatures, ensemble sizes) from one pass; columns follow
     * {@link #getOutputIDInfo()}'s ids.
     * @param examples the examples (their texts in metadata).
     * @return {@code [n][C]} log-scores (softmax of them divided by a temperature gives the probabilities), and for
     *         ensembles the members' probabilities {@code [n][K][C]} (null for K = 1).
     */
    public Scores scores(List<Example<Label>> examples) {
        sessions.checkOpen();
        if (examples.isEmpty()) {
            return new Scores(new double[0][], settings.ensembleSize() > 1 ? new float[0][][] : null);
        }
        return score(encode(examples));
    }

    /**
     * Raw scores of a batch of examples (see {@link #scores(List)}).
     * @param logScores log-scores before temperature, {@code [n][C]}: logits, or the log mean member probability.
     * @param members the ensemble members' probabilities {@code [n][K][C]}, or null for the deterministic model.
     */
    public record Scores(double[][] logScores, float[][][] members) {}

    /**
     * Per-document scores: the scores of each row, and for documents split into windows the log of the mean of
     * their windows' probabilities (per ensemble member, then averaged over members).
     */
    private Scores score(DocumentEncoder.Rows rows) {
        Scores perRow = score(rows.rows());
        if (!rows.windowed()) {
            return perRow;
        }
        int n = rows.rows().size();
        int c = spec.numClasses();
        double[][] probs = new double[n][];
        double[][] memberProbs = perRow.members == null ? null : new double[n][];
        for (int r = 0; r < n; r++) {
            probs[r] = perRow.members == null ? softmax(perRow.logScores[r], 1.0) : exp(perRow.logScores[r]);
            if (memberProbs != null) {
                float[][] m = perRow.members[r];
                memberProbs[r] = new double[m.length * c];
                for (int k = 0; k < m.length; k++) {
                    for (int j = 0; j < c; j++) {
                        memberProbs[r][k * c + j] = m[k][j];
                    }
                }
            }
        }
        double[][] mean = DocumentEncoder.meanPerDocument(rows, probs);
        double[][] log = new double[mean.length][];
        for (int d = 0; d < mean.length; d++) {
            log[d] = new double[c];
            for (int j = 0; j < c; j++) {
                log[d][j] = Math.log(Math.max(mean[d][j], PROBABILITY_FLOOR));
            }
        }
        float[][][] members = null;
        if (memberProbs != null) {
            double[][] mm = DocumentEncoder.meanPerDocument(rows, memberProbs);
            members = new float[mm.length][][];
            for (int d = 0; d < mm.length; d++) {
                int k = mm[d].length / c;
                members[d] = new float[k][c];
                for (int q = 0; q < k; q++) {
                    for (int j = 0; j < c; j++) {
                        members[d][q][j] = (float) mm[d][q * c + j];
                    }
                }
            }
        }
        return new Scores(log, members);
    }

    private static double[] exp(double[] logs) {
        double[] p = new double[logs.length];
        for (int j = 0; j < logs.length; j++) {
            p[j] = Math.exp(logs[j]);
        }
        return p;
    }

    private Scores score(List<EncodedExample> encoded) {
        int n = encoded.size();
        int c = spec.numClasses();
        double[][] log = new double[n][];
        float[][][] members = settings.ensembleSize() > 1 ? new float[n][][] : null;
        int padId = tokenizer.padId();
        sessions.use(programs -> {
            for (int[] idx : Batcher.inferenceBatches(encoded, settings.batchSize())) {
                Batch b = Batcher.toBatch(encoded, idx, padId, false);
                if (members == null) {
                    float[] z = programs.predict().logits(b);
                    for (int r = 0; r < idx.length; r++) {
                        double[] row = new double[c];
                        for (int j = 0; j < c; j++) {
                            row[j] = z[r * c + j];
                        }
                        log[idx[r]] = row;
                    }
                } else {
                    EnsemblePredict.Output o = programs.ensemble().predict(b);
                    for (int r = 0; r < idx.length; r++) {
                        float[][] m = new float[o.members()][c];
                        double[] row = new double[c];
                        for (int k = 0; k < o.members(); k++) {
                            System.arraycopy(o.memberProbabilities()[k], r * c, m[k], 0, c);
                            for (int j = 0; j < c; j++) {
                                row[j] += m[k][j] / (double) o.members();
                            }
                        }
                        for (int j = 0; j < c; j++) {
                            row[j] = Math.log(Math.max(row[j], PROBABILITY_FLOOR));
                        }
                        log[idx[r]] = row;
                        members[idx[r]] = m;
                    }
                }
            }
            return null;
        });
        return new Scores(log, members);
    }

    private static double[] softmax(double[] z, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : z) {
            max = Math.max(max, x / temperature);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int j = 0; j < z.length; j++) {
            p[j] = Math.exp(z[j] / temperature - max);
            sum += p[j];
        }
        for (int j = 0; j < z.length; j++) {
            p[j] /= sum;
        }
        return p;
    }

    // ---------------------------------------------------------------------------------------------- options

    /**
     * A copy that predicts with a test-time ensemble over LoRA dropout masks.
     * @param k the ensemble size; 1 gives the deterministic model.
     * @param seed the seed of the members' masks.
     * @return the new model (with its own sessions; close it separately).
     * @throws IllegalArgumentException when {@code k < 1}, or {@code k > 1} and the model was trained without LoRA
     *                                  dropout.
     */
    public LoraDropModel withEnsemble(int k, long seed) {
        if (k < 1) {
            throw new IllegalArgumentException("Ensemble size must be at least 1, got " + k);
        }
        checkEnsembleMemory(encoder, spec.lora(), k, "Ensemble size");
        return withSettings(settings.withEnsemble(k, seed));
    }

    /**
     * A copy that reads texts longer than {@link #getMaxLength()} tokens another way (for instance a model trained
     * with truncation that predicts from windows).
     * @param mode what to do with long texts.
     * @param stride {@link LongText#WINDOWS} only: word pieces between the starts of two windows.
     * @return the new model.
     * @throws IllegalArgumentException when the stride does not fit the window, or the model classifies sentence
     *                                  pairs and the mode is not {@code TRUNCATE}.
     */
    @Override
    public LoraDropModel withLongText(LongText mode, int stride) {
        return withSettings(AbstractLoraDropModel.longTextSettings(settings, tokenizer, mode, stride));
    }

    /**
     * What the model does with texts longer than {@link #getMaxLength()} tokens.
     * @return the long-text policy.
     */
    @Override
    public LongText getLongText() {
        return settings.longText();
    }

    /**
     * The window stride in word pieces ({@link LongText#WINDOWS} only).
     * @return the stride.
     */
    @Override
    public int getWindowStride() {
        return settings.windowStride();
    }

    /**
     * The bytes a test-time ensemble of {@code k} members holds besides the model itself: each member's merged
     * weights of every LoRA target (SPARSE mode stacks them; INPUT mode holds masks of about that size), once on the
     * Java heap and once as ONNX Runtime tensors.
     * @param encoder the encoder.
     * @param lora the LoRA configuration (its targets).
     * @param k the ensemble size.
     * @return the estimate in bytes (0 for k = 1).
     */
    public static long ensembleBytes(EncoderModel encoder, ai.loradrop.lora.LoraConfig lora, int k) {
        if (k <= 1) {
            return 0;
        }
        long perMember = 0;
        for (ai.loradrop.onnx.LinearModule m : LoraSurgery.select(encoder, lora)) {
            perMember += (long) m.inFeatures() * m.outFeatures() * Float.BYTES;
        }
        return perMember * k;
    }

    /**
     * Refuses an ensemble whose members would not fit in the Java heap (half of {@code -Xmx}), before any of them is
     * built, instead of an {@link OutOfMemoryError} or a native abort later.
     * @param encoder the encoder.
     * @param lora the LoRA configuration.
     * @param k the ensemble size.
     * @param setting what set {@code k}, for the message.
     * @throws IllegalArgumentException naming the size, the estimate and the largest size that fits.
     */
    public static void checkEnsembleMemory(EncoderModel encoder, ai.loradrop.lora.LoraConfig lora, int k, String setting) {
        long need = ensembleBytes(encoder, lora, k);
        long budget = Runtime.getRuntime().maxMemory() / 2;
        if (need > budget) {
            long perMember = need / k;
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s %d needs about %.1f GB for its members (%.1f MB each), more than half the Java heap (%.1f GB);"
                            + " use at most %d members, or give Java more memory (-Xmx, LORADROP_JAVA_OPTS)",
                    setting, k, need / 1e9, perMember / 1e6, Runtime.getRuntime().maxMemory() / 1e9, Math.max(1, budget / perMember)));
        }
    }

    /**
     * A copy with another temperature.
     * @param temperature the temperature, positive and finite (1: none).
     * @return the new model.
     */
    public LoraDropModel withTemperature(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("Temperature must be positive and finite, got " + temperature);
        }
        return withSettings(settings.withTemperature(temperature));
    }

    /**
     * A copy whose temperature minimizes the negative log-likelihood of labelled data (temperature scaling, see
     * {@link TemperatureScaling}); accuracy is unchanged. The fit uses this model's ensemble setting, ignores example
     * weights and replaces any earlier temperature.
     * @param data held-out labelled data (not the training data).
     * @return the new model.
     * @throws IllegalArgumentException when an example's label is not in the model's label domain.
     */
    public LoraDropModel fitTemperature(Dataset<Label> data) {
        List<Example<Label>> list = new ArrayList<>();
        data.forEach(list::add);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("Temperature scaling needs at least one labelled example");
        }
        int[] labels = new int[list.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = outputIDInfo.getID(list.get(i).getOutput());
            if (labels[i] < 0) {
                throw new IllegalArgumentException("Example " + i + " has label '" + list.get(i).getOutput().getLabel()
                        + "', which is not in the model's label domain " + outputIDInfo.getDomain());
            }
        }
        Scores s = score(encode(list));
        TemperatureScaling ts = TemperatureScaling.fit(s.logScores(), labels);
        logger.info(String.format("Fitted temperature %.4f on %d examples", ts.temperature(), labels.length));
        return withTemperature(ts.temperature());
    }

    /**
     * A copy that serializes with the base encoder embedded (true) or referenced by path and SHA-256 (false).
     * @param embed whether to embed.
     * @return the new model.
     */
    public LoraDropModel withBaseModelEmbedded(boolean embed) {
        return withSettings(settings.withEmbedBaseModel(embed));
    }

    /**
     * A copy whose ONNX Runtime sessions use {@code n} intra-op threads (0: ONNX Runtime's choice); predictions are
     * the same.
     * @param n the thread count, from 0 to the machine's cores.
     * @return the new model.
     * @throws IllegalArgumentException when {@code n} is negative or more than the machine's cores.
     */
    @Override
    public LoraDropModel withThreads(int n) {
        return withSettings(AbstractLoraDropModel.threadSettings(settings, n));
    }

    /**
     * A copy whose deterministic (merged) prediction program, and merged ONNX export, treat the LoRA update of int8
     * layers as {@code form} says ({@link QuantizedMerge#DESCRIPTION}); predictions change slightly with
     * {@link QuantizedMerge#REQUANTIZE} on an int8 base, and not at all on a float or 4-bit base or for an ensemble.
     * @param form the form.
     * @return the new model.
     */
    @Override
    public LoraDropModel withQuantizedMerge(QuantizedMerge form) {
        return withSettings(AbstractLoraDropModel.quantizedMergeSettings(settings, form));
    }

    private LoraDropModel withSettings(ModelSettings s) {
        sessions.checkOpen();
        return new LoraDropModel(name, provenanceWithOptions(provenance, s), featureIDMap, outputIDInfo, encoder,
                baseFile, tokenizer, spec, params, s);
    }

    /**
     * The model provenance with the options recorded in its instance values (other entries kept as they are).
     */
    static ModelProvenance provenanceWithOptions(ModelProvenance p, ModelSettings s) {
        return AbstractLoraDropModel.withInstanceValues(p, instance -> {
            instance.put(ENSEMBLE_SIZE, new IntProvenance(ENSEMBLE_SIZE, s.ensembleSize()));
            instance.put(ENSEMBLE_SEED, new LongProvenance(ENSEMBLE_SEED, s.ensembleSeed()));
            instance.put(TEMPERATURE, new DoubleProvenance(TEMPERATURE, s.temperature()));
            instance.put(EMBED_BASE_MODEL, new BooleanProvenance(EMBED_BASE_MODEL, s.embedBaseModel()));
            instance.put(QUANTIZED_MERGE, new EnumProvenance<>(QUANTIZED_MERGE, s.quantizedMerge()));
        });
    }

    // ---------------------------------------------------------------------------------------------- accessors

    /**
     * The ensemble size K (1: deterministic).
     * @return K.
     */
    public int getEnsembleSize() {
        return settings.ensembleSize();
    }

    /**
     * The seed of the ensemble members' masks.
     * @return the seed.
     */
    public long getEnsembleSeed() {
        return settings.ensembleSeed();
    }

    /**
     * The ONNX Runtime intra-op threads of this model's sessions.
     * @return the thread count, 0 for ONNX Runtime's default.
     */
    @Override
    public int getThreads() {
        return settings.threads();
    }

    /**
     * How the deterministic (merged) prediction program treats the LoRA update of int8 layers, and the form of the
     * merged ONNX export.
     * @return the form.
     */
    @Override
    public QuantizedMerge getQuantizedMerge() {
        return settings.quantizedMerge();
    }

    /**
     * The temperature applied to the reported distribution.
     * @return T.
     */
    public double getTemperature() {
        return settings.temperature();
    }

    /**
     * Whether serialization embeds the base encoder.
     * @return true when embedded, false when referenced by path and hash.
     */
    public boolean isBaseModelEmbedded() {
        return settings.embedBaseModel();
    }

    /**
     * The base encoder file the model was trained on.
     * @return path, SHA-256 and size.
     */
    public BaseModelFile getBaseModelFile() {
        return baseFile;
    }

    /**
     * The base encoder the adapters sit on (shared, not copied; treat it as read-only).
     * @return the encoder.
     */
    public EncoderModel getEncoder() {
        return encoder;
    }

    /**
     * The tokenizer.
     * @return the tokenizer (immutable).
     */
    public Tokenizer getTokenizer() {
        return tokenizer;
    }

    /**
     * The classifier specification (LoRA, pooling, classes).
     * @return the spec.
     */
    public ClassifierSpec getSpec() {
        return spec;
    }

    /**
     * A copy of the trained parameters (LoRA A/B per target, then the head), in {@link ParameterLayout} order.
     * @return the flat vector.
     */
    public float[] getParameters() {
        return params.clone();
    }

    /**
     * Tokens per example, special tokens included.
     * @return the maximum length.
     */
    public int getMaxLength() {
        return settings.maxLength();
    }

    /**
     * The metadata key of the text.
     * @return the key.
     */
    public String getTextKey() {
        return settings.textKey();
    }

    /**
     * The metadata key of the second text of a pair.
     * @return the key, empty for single-text models.
     */
    public Optional<String> getPairKey() {
        return Optional.ofNullable(settings.pairKey());
    }

    /**
     * Whether {@link #close()} has been called.
     * @return true when closed.
     */
    public boolean isClosed() {
        return sessions.closed;
    }

    /**
     * Releases the ONNX Runtime sessions; later predictions throw {@link IllegalStateException}. Waits for running
     * predictions. Idempotent. Copies made with the {@code with...} methods have their own sessions.
     */
    @Override
    public void close() {
        cleanable.clean();
    }

    /**
     * Not available: the model's features are the tokens of its text, scored through a transformer.
     * @param n ignored.
     * @return an empty map.
     */
    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        return Collections.emptyMap();
    }

    /**
     * Not available.
     * @param example ignored.
     * @return empty.
     */
    @Override
    public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
        return Optional.empty();
    }

    @Override
    protected LoraDropModel copy(String newName, ModelProvenance newProvenance) {
        return new LoraDropModel(newName, newProvenance, featureIDMap, outputIDInfo, encoder, baseFile, tokenizer, spec,
                params, settings);
    }

    // ---------------------------------------------------------------------------------------------- interop

    /**
     * Reads a PEFT LoRA adapter folder (written by {@link #exportAdapter} or by PEFT's {@code save_pretrained}, in
     * safetensors) onto a base encoder, with the {@linkplain AdapterImportOptions#defaults() default options}.
     * @param baseModel the base encoder (.onnx) the adapter was trained on.
     * @param tokenizer the tokenizer (tokenizer.json or vocab.txt).
     * @param adapterDir the adapter folder.
     * @param labels the class labels in head-row order, or null to read them from {@value ai.loradrop.interop.AdapterLabels#FILE_NAME}
     *               beside the adapter, else to name the classes {@code "0".."C-1"}.
     * @param maxLength tokens per example, special tokens included; 0 for the maximum length the adapter records
     *                  (an adapter exported by LoRA-Drop), else the trainer's default.
     * @return the model; close it after use.
     * @throws IOException when a file is missing, unreadable or invalid, or the adapter does not fit the encoder.
     * @throws IllegalArgumentException when the labels do not match the adapter's classes.
     * @see #fromAdapter(Path, Path, Path, List, int, AdapterImportOptions)
     */
    public static LoraDropModel fromAdapter(Path baseModel, Path tokenizer, Path adapterDir, List<String> labels, int maxLength)
            throws IOException {
        return fromAdapter(baseModel, tokenizer, adapterDir, labels, maxLength, AdapterImportOptions.defaults());
    }

    /**
     * Reads a PEFT LoRA adapter folder onto a base encoder. The result predicts, evaluates, serializes and exports like
     * a trained model and can seed further training ({@code LoraDropTrainer}'s {@code initialAdapterPath}).
     * <p>
     * An adapter written by LoRA-Drop brings its pooling, LoRA dropout settings and test-time ensemble (from
     * {@code loradrop_config.json}) and its labels (from {@value ai.loradrop.interop.AdapterLabels#FILE_NAME}); one written by PEFT
     * brings LoRA matrices and head only, and is read with {@link AdapterImportOptions#pooling()}. The temperature is
     * 1. An adapter exported by LoRA-Drop also records its maximum length and whether it classifies sentence pairs,
     * so that the import predicts as the exported model did. Every import checks that the adapter fits the encoder
     * (its recorded hidden size and layer count, and tensors for every module its target modules select) and
     * warns when the tokenizer's ids differ from those the adapter was trained with.
     * <p>
     * Provenance: the dataset provenance's source is an {@link AdapterSourceProvenance} (the folder and the SHA-256 of
     * {@code adapter_model.safetensors}; the dataset itself is empty), and the trainer provenance is an
     * {@link AdapterImportProvenance} recording the import settings and the hashes of the adapter, encoder and
     * tokenizer files.
     * @param baseModel the base encoder (.onnx) the adapter was trained on.
     * @param tokenizer the tokenizer (tokenizer.json or vocab.txt).
     * @param adapterDir the adapter folder.
     * @param labels the class labels in head-row order, or null to read them from {@value ai.loradrop.interop.AdapterLabels#FILE_NAME}
     *               beside the adapter, else to name the classes {@code "0".."C-1"}.
     * @param maxLength tokens per example, special tokens included; 0 for the maximum length the adapter records
     *                  (an adapter exported by LoRA-Drop), else the trainer's default. A value other than the
     *                  recorded one is used as given, with a warning (predictions of longer texts then differ).
     * @param options text keys, pooling for PEFT-written adapters, serialization and thread settings. An adapter that
     *                records sentence pairs uses its recorded pair key unless one is given; giving a pair key for an
     *                adapter that records single texts is an error.
     * @return the model; close it after use.
     * @throws java.nio.file.NoSuchFileException when the encoder, tokenizer or adapter folder does not exist.
     * @throws IOException when a file is unreadable or invalid, or the adapter does not fit the encoder (the message
     *                     names the key and both shapes).
     * @throws IllegalArgumentException when the labels are blank, repeated or not as many as the adapter's classes,
     *                                  {@code maxLength} is 1 or negative, or a pair key is given for an adapter of
     *                                  single texts.
     */
    public static LoraDropModel fromAdapter(Path baseModel, Path tokenizer, Path adapterDir, List<String> labels, int maxLength,
                                            AdapterImportOptions options) throws IOException {
        return AdapterImport.load(baseModel, tokenizer, adapterDir, labels, maxLength, options);
    }

    /**
     * Writes the model as a PEFT LoRA adapter folder: {@code adapter_model.safetensors}, {@code adapter_config.json},
     * LoRA-Drop's {@code loradrop_config.json} (see {@link PeftAdapter}; it records the maximum length, the pair key
     * and the tokenizer's special ids too) and {@value ai.loradrop.interop.AdapterLabels#FILE_NAME} with the labels in
     * head-row order, written as a whole (a failure leaves the previous folder as it was). The sidecar records this
     * model's test-time ensemble, maximum length, pair key, tokenizer ids and, for models trained by
     * {@link LoraDropTrainer}, its dropout samples (the corresponding fields of {@code options} are replaced). The
     * temperature is not part of an adapter (a warning is logged when it is not 1).
     * @param dir the folder (created if missing; an existing one is replaced as a whole, its other files kept).
     * @param options key layout and base model name.
     * @throws IOException when a file cannot be written.
     */
    public void exportAdapter(Path dir, AdapterExportOptions options) throws IOException {
        sessions.checkOpen();
        ModelExport.writeAdapter(ModelExport.of(this), dir, options);
    }

    /**
     * Builds the standalone ONNX classifier ({@link MergedOnnxExport}): LoRA merged into the encoder's weights,
     * pooling and head appended, inputs {@code input_ids}, {@code attention_mask} (and {@code token_type_ids} when the
     * encoder takes them), outputs {@code logits} and {@code probabilities}. Its probabilities are this model's for
     * ensemble size 1; a temperature is folded into the head (so {@code logits} are {@code z / T}); an ensemble
     * (K &gt; 1) cannot be merged and is exported in its deterministic form (a warning is logged). Metadata:
     * {@value MergedOnnxExport#TRIBUO_PROVENANCE} holds this model's provenance serialized as Tribuo serializes it
     * into its own ONNX exports ({@code ONNXExportable.SERIALIZER.marshalAndSerialize}, readable with
     * {@code ONNXExportable.SERIALIZER.deserializeAndUnmarshal}), {@value MergedOnnxExport#META_LABELS} the labels in
     * output order.
     * @return the ONNX model.
     */
    public ai.onnx.proto.OnnxMl.ModelProto toOnnx() {
        sessions.checkOpen();
        return ModelExport.buildOnnx(ModelExport.of(this));
    }

    /**
     * Writes {@link #toOnnx()} to a file, atomically.
     * @param file the {@code .onnx} file; its folder must exist.
     * @return the model written.
     * @throws IOException when the file cannot be written.
     */
    public ai.onnx.proto.OnnxMl.ModelProto exportOnnx(Path file) throws IOException {
        sessions.checkOpen();
        return ModelExport.writeOnnx(ModelExport.of(this), file);
    }

    // ---------------------------------------------------------------------------------------------- serialization

    /**
     * Serializes to Tribuo's protobuf. The base encoder is embedded or referenced as {@link #isBaseModelEmbedded()}
     * says.
     * @return the protobuf.
     */
    @Override
    public ModelProto serialize() {
        ModelDataCarrier<Label> carrier = createDataCarrier();
        ByteString base = settings.embedBaseModel() ? encoder.model().toByteString() : null;
        Any payload = ModelCodec.encode(new ModelCodec.Payload(carrier.serialize(), tokenizer.toJsonBytes(),
                tokenizer.sourceSha256(), base, baseFile, spec, params, settings));
        return ModelProto.newBuilder()
                .setVersion(CURRENT_VERSION)
                .setClassName(LoraDropModel.class.getName())
                .setSerializedData(payload)
                .build();
    }

    /**
     * Deserialization factory, called by Tribuo's {@code ProtoUtil} (through {@link Model#deserialize(ModelProto)}
     * and {@link Model#deserializeFromFile(Path)}). A referenced base encoder is read from its recorded path and must
     * have the recorded SHA-256.
     * @param version the serialized version.
     * @param className the class name.
     * @param message the payload.
     * @return the model.
     * @throws DamagedModelException when a part of the file (metadata, tokenizer, embedded encoder, parameters or
     *     settings) does not match the SHA-256 recorded for it when it was saved; the exception names the part.
     * @throws IOException when the payload is corrupt or the base encoder file cannot be read.
     * @throws IllegalArgumentException when the version is unknown.
     * @throws IllegalStateException when a referenced base encoder file's hash differs from the recorded one.
     */
    public static LoraDropModel deserializeFromProto(int version, String className, Any message) throws IOException {
        if (version < 0 || version > CURRENT_VERSION) {
            throw new IllegalArgumentException("Unknown LoraDropModel serialization version " + version
                    + "; this class reads at most version " + CURRENT_VERSION);
        }
        return fromPayload(ModelCodec.decode(message, version), null);
    }

    /**
     * Reads a model file written by {@link #serialize()} (as {@link Model#deserializeFromFile(Path)} does), with the
     * base encoder read from {@code baseModel} instead of its recorded path when the model references it (a moved
     * encoder). The file must still have the recorded SHA-256; an embedded encoder ignores {@code baseModel}.
     * @param file the model file.
     * @param baseModel the referenced base encoder's new place, or null for its recorded path.
     * @return the model; close it after use.
     * @throws IOException when the file is not a LoRA-Drop model, is corrupt, or the encoder cannot be read.
     * @throws IllegalStateException when the encoder file's hash differs from the recorded one.
     */
    public static LoraDropModel deserializeFromFile(Path file, Path baseModel) throws IOException {
        org.tribuo.protos.core.ModelProto proto;
        try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            proto = org.tribuo.protos.core.ModelProto.parseFrom(in);
        }
        if (!proto.getClassName().equals(LoraDropModel.class.getName())) {
            throw new IOException(file + " holds a " + proto.getClassName() + ", not a LoRA-Drop model");
        }
        if (proto.getVersion() < 0 || proto.getVersion() > CURRENT_VERSION) {
            throw new IllegalArgumentException("Unknown LoraDropModel serialization version " + proto.getVersion()
                    + "; this class reads at most version " + CURRENT_VERSION);
        }
        return fromPayload(ModelCodec.decode(proto.getSerializedData(), proto.getVersion()), baseModel);
    }

    private static LoraDropModel fromPayload(ModelCodec.Payload p, Path baseOverride) throws IOException {
        ModelDataCarrier<?> carrier = ModelDataCarrier.deserialize(p.metadata());
        if (!(carrier.outputDomain().getOutput(0) instanceof Label)) {
            throw new IllegalStateException("Invalid LoraDropModel protobuf: the output domain holds "
                    + carrier.outputDomain().getOutput(0).getClass().getName() + ", expected Label");
        }
        @SuppressWarnings("unchecked") // checked just above
        ImmutableOutputInfo<Label> outputs = (ImmutableOutputInfo<Label>) carrier.outputDomain();
        EncoderModel encoder;
        if (p.baseModel() != null) {
            encoder = EncoderModel.of(OnnxModels.parse(p.baseModel().toByteArray(), "embedded base model"));
        } else {
            // A referenced float base trained with quantizeBase=INT8 is quantized again (deterministically) at load.
            encoder = loadReferencedBase(p.baseFile(), baseOverride).quantized(quantizeBaseOf(carrier.provenance()));
        }
        Tokenizer tokenizer = Tokenizer.fromJson(p.tokenizerJson(), p.tokenizerSha256());
        return new LoraDropModel(carrier.name(), carrier.provenance(), carrier.featureDomain(), outputs, encoder,
                baseOverride != null && p.baseModel() == null
                        ? new BaseModelFile(baseOverride.toAbsolutePath().toString(), p.baseFile().sha256(), p.baseFile().size())
                        : p.baseFile(), tokenizer, p.spec(), p.params(), p.settings());
    }

    /** The trainer's {@code quantizeBase} recorded in a model's provenance ({@code NONE} when absent). */
    static ai.loradrop.onnx.BaseQuantization quantizeBaseOf(org.tribuo.provenance.ModelProvenance provenance) {
        Provenance v = provenance.getTrainerProvenance().getConfiguredParameters().get("quantizeBase");
        if (v instanceof com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance<?> pp) {
            return ai.loradrop.onnx.BaseQuantization.valueOf(String.valueOf(pp.getValue()));
        }
        return ai.loradrop.onnx.BaseQuantization.NONE;
    }

    static EncoderModel loadReferencedBase(BaseModelFile ref, Path override) throws IOException {
        Path path = override != null ? override : Path.of(ref.path());
        if (!Files.isRegularFile(path)) {
            throw new IOException("The base model of this LoRA-Drop model is not embedded and its file is missing: " + path
                    + (override != null ? "" : " (recorded path)") + " (expected SHA-256 " + ref.sha256() + ")");
        }
        String actual = Sha256.of(path);
        if (!Sha256.same(actual, ref.sha256())) { // hashes recorded by earlier versions may be upper case
            throw new IllegalStateException("The base model file " + path + " has SHA-256 " + actual
                    + ", but this LoRA-Drop model was trained on a file with SHA-256 " + ref.sha256()
                    + "; the adapters only work with the original encoder");
        }
        return EncoderModel.load(path);
    }

    /**
     * Java serialization writes the protobuf form (see {@link #serialize()}).
     * @return the serialized form.
     */
    private Object writeReplace() {
        return new SerializedForm(serialize().toByteArray());
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("A LoraDropModel is read through its serialized form only");
    }

    /**
     * The Java-serialized form of a model: its Tribuo protobuf bytes.
     */
    private static final class SerializedForm implements Serializable {
        private static final long serialVersionUID = 1L;
        /** The model's Tribuo protobuf bytes. */
        private final byte[] protobuf;

        SerializedForm(byte[] protobuf) {
            this.protobuf = protobuf;
        }

        private Object readResolve() throws ObjectStreamException {
            try {
                com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(protobuf);
                in.setSizeLimit(Integer.MAX_VALUE);
                Model<?> m = Model.deserialize(ModelProto.parseFrom(in));
                if (!(m instanceof LoraDropModel)) {
                    throw new InvalidObjectException("Serialized form holds a " + m.getClass().getName());
                }
                return m;
            } catch (IOException | RuntimeException e) {
                InvalidObjectException ex = new InvalidObjectException("Cannot read a LoraDropModel: " + e.getMessage());
                ex.initCause(e);
                throw ex;
            }
        }
    }
}
