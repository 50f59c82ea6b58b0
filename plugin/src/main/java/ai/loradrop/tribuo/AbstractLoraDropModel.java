/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.AdapterInput;
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
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;
import ai.loradrop.text.Tokenizer;
import ai.loradrop.train.Batcher;
import ai.loradrop.train.DocumentEncoder;
import ai.loradrop.train.EncodedExample;
import ai.loradrop.tribuo.data.TextExamples;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.oracle.labs.mlrg.olcut.provenance.MapProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.util.Pair;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Output;
import org.tribuo.Prediction;
import org.tribuo.impl.ModelDataCarrier;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The core shared by the LoRA-Drop models of the output types beyond {@code Label}: the encoder, tokenizer, trained
 * parameters and settings, the prediction programs (deterministic, or the test-time ensemble over LoRA dropout
 * masks), text encoding with long-document handling, and the protobuf and Java serialized forms. A subclass turns
 * the head's outputs (per example: the deterministic outputs, or the members' outputs and their mean) into Tribuo
 * predictions.
 * <p>
 * <b>Long documents.</b> A text longer than {@link #getMaxLength()} tokens is read as {@link #getLongText()} says
 * (the trainer's {@code longText}, or a copy's {@link #withLongText}); with {@link LongText#WINDOWS} the head's
 * outputs of a document are the mean of its windows' outputs (per member for an ensemble) before the output type
 * converts them: a multi-label probability is the mean of the windows' sigmoids, a regression value the mean of the
 * windows' values.
 * <p>
 * Thread-safe for prediction; close it (or let it become unreachable) to release the native sessions.
 *
 * @param <T> the output type.
 */
public abstract class AbstractLoraDropModel<T extends Output<T>> extends Model<T>
        implements AutoCloseable, ReadingOptions<AbstractLoraDropModel<T>> {
    private static final long serialVersionUID = 1L;
    private static final Cleaner CLEANER = Cleaner.create();

    /** The encoder. */
    final transient EncoderModel encoder;
    /** The base encoder file record. */
    final transient BaseModelFile baseFile;
    /** The tokenizer. */
    final transient Tokenizer tokenizer;
    /** What the programs compute. */
    final transient ClassifierSpec spec;
    /** The trained parameters. */
    final transient float[] params;
    /** Prediction settings. */
    final transient ModelSettings settings;
    private final transient ModelSessions sessions;
    private final transient Cleaner.Cleanable cleanable;

    /**
     * Creates a model; validates that the parts fit together.
     */
    AbstractLoraDropModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                          ImmutableOutputInfo<T> outputIDInfo, boolean generatesProbabilities, EncoderModel encoder,
                          BaseModelFile baseFile, Tokenizer tokenizer, ClassifierSpec spec, float[] params,
                          ModelSettings settings) {
        super(name, provenance, featureIDMap, outputIDInfo, generatesProbabilities);
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.baseFile = Objects.requireNonNull(baseFile, "baseFile");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.params = params.clone();
        this.settings = Objects.requireNonNull(settings, "settings");
        if (spec.numClasses() != outputIDInfo.size()) {
            throw new IllegalArgumentException("The head has " + spec.numClasses() + " outputs but the output domain has "
                    + outputIDInfo.size() + ": " + outputIDInfo.getDomain());
        }
        int expected = new ParameterLayout(LoraSurgery.select(encoder, spec.lora()), spec.lora().rank(),
                encoder.hiddenSize(), spec.numClasses()).size();
        if (this.params.length != expected) {
            throw new IllegalArgumentException("The parameter vector holds " + params.length + " values but this encoder, LoRA"
                    + " configuration and output count need " + expected);
        }
        TokenizerFit.check(tokenizer, encoder, "of the model", "of the model");
        encoder.checkMaxLength(settings.maxLength(), "maxLength");
        if (settings.ensembleSize() > 1 && !spec.lora().hasDropout()) {
            throw new IllegalArgumentException("An ensemble (size " + settings.ensembleSize() + ") needs LoRA dropout, but this"
                    + " model was trained with dropout mode " + spec.lora().dropoutMode() + " and p = " + spec.lora().dropout());
        }
        this.sessions = new ModelSessions(encoder, spec, this.params, settings);
        this.cleanable = CLEANER.register(this, sessions);
    }

    // ---------------------------------------------------------------------------------------------- prediction

    /**
     * The head's outputs of a batch of documents, before any output-type conversion.
     * @param outputs {@code [n][D]}: the deterministic outputs, or the mean over the ensemble members.
     * @param members {@code [n][K][D]} the members' outputs, or null for the deterministic model.
     */
    public record HeadOutputs(double[][] outputs, double[][][] members) {}

    /**
     * Turns one document's head outputs into a prediction.
     * @param example the example.
     * @param outputs its outputs (the members' mean for an ensemble), columns in output id order.
     * @param members the members' outputs {@code [K][D]}, or null for the deterministic model.
     * @return the prediction.
     */
    abstract Prediction<T> toPrediction(Example<T> example, double[] outputs, double[][] members);

    /**
     * The output an example built from a bare text carries (the factory's unknown output).
     * @return the unknown output.
     */
    abstract T unknownOutput();

    @Override
    public Prediction<T> predict(Example<T> example) {
        return predictAll(List.of(example)).get(0);
    }

    @Override
    public List<Prediction<T>> predict(Iterable<Example<T>> examples) {
        return innerPredict(examples);
    }

    /**
     * Predicts in batches of similar length (one ONNX Runtime call per batch).
     * @param examples the examples.
     * @return the predictions, in input order.
     */
    @Override
    protected List<Prediction<T>> innerPredict(Iterable<Example<T>> examples) {
        List<Example<T>> list = new ArrayList<>();
        examples.forEach(list::add);
        return predictAll(list);
    }

    /**
     * Predicts a text.
     * @param text the text.
     * @return the prediction.
     * @throws IllegalArgumentException when the model expects sentence pairs, or the text is blank.
     */
    public Prediction<T> predict(String text) {
        if (settings.pairKey() != null) {
            throw new IllegalArgumentException("This model reads sentence pairs (metadata key '" + settings.pairKey()
                    + "'); use predict(text, pair)");
        }
        return predict(textExample(text, null));
    }

    /**
     * Predicts a sentence pair.
     * @param text the first text.
     * @param pair the second text.
     * @return the prediction.
     * @throws IllegalArgumentException when the model reads single texts, or a text is blank.
     */
    public Prediction<T> predict(String text, String pair) {
        if (settings.pairKey() == null) {
            throw new IllegalArgumentException("This model reads single texts; use predict(text)");
        }
        return predict(textExample(text, Objects.requireNonNull(pair, "pair")));
    }

    private Example<T> textExample(String text, String pair) {
        Objects.requireNonNull(text, "text");
        Map<String, Object> metadata = new HashMap<>(4);
        metadata.put(settings.textKey(), text);
        if (pair != null) {
            metadata.put(settings.pairKey(), pair);
        }
        return TextExamples.withMetadata(unknownOutput(), 1f, metadata);
    }

    private List<Prediction<T>> predictAll(List<Example<T>> examples) {
        HeadOutputs o = headOutputs(examples);
        List<Prediction<T>> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            out.add(toPrediction(examples.get(i), o.outputs()[i], o.members() == null ? null : o.members()[i]));
        }
        return out;
    }

    /**
     * The head's outputs of examples in one pass (per document: windows of a long document are averaged, per
     * member for ensembles). Columns follow {@link #getOutputIDInfo()}'s ids.
     * @param examples the examples (their texts in metadata).
     * @return the outputs.
     */
    public HeadOutputs headOutputs(List<Example<T>> examples) {
        sessions.checkOpen();
        int ensemble = settings.ensembleSize();
        if (examples.isEmpty()) {
            return new HeadOutputs(new double[0][], ensemble > 1 ? new double[0][][] : null);
        }
        List<DocumentEncoder.Document> docs = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            docs.add(TextExamples.document(examples.get(i), i, settings.textKey(), settings.pairKey(), -1));
        }
        DocumentEncoder.Rows rows = new DocumentEncoder(tokenizer, settings.maxLength(), settings.longText(),
                settings.windowStride()).encode(docs);
        List<EncodedExample> encoded = rows.rows();
        int n = encoded.size();
        int d = spec.numClasses();
        double[][] perRow = new double[n][];
        int padId = tokenizer.padId();
        sessions.use(programs -> {
            for (int[] idx : Batcher.inferenceBatches(encoded, settings.batchSize())) {
                Batch b = Batcher.toBatch(encoded, idx, padId, false);
                if (ensemble == 1) {
                    float[] z = programs.predict().probabilities(b);
                    for (int r = 0; r < idx.length; r++) {
                        double[] row = new double[d];
                        for (int j = 0; j < d; j++) {
                            row[j] = z[r * d + j];
                        }
                        perRow[idx[r]] = row;
                    }
                } else {
                    EnsemblePredict.Output o = programs.ensemble().predict(b);
                    for (int r = 0; r < idx.length; r++) {
                        double[] row = new double[o.members() * d];
                        for (int k = 0; k < o.members(); k++) {
                            for (int j = 0; j < d; j++) {
                                row[k * d + j] = o.memberProbabilities()[k][r * d + j];
                            }
                        }
                        perRow[idx[r]] = row;
                    }
                }
            }
            return null;
        });
        double[][] perDoc = rows.windowed() ? DocumentEncoder.meanPerDocument(rows, perRow) : perRow;
        if (ensemble == 1) {
            return new HeadOutputs(perDoc, null);
        }
        double[][] mean = new double[perDoc.length][d];
        double[][][] members = new double[perDoc.length][ensemble][d];
        for (int i = 0; i < perDoc.length; i++) {
            for (int k = 0; k < ensemble; k++) {
                for (int j = 0; j < d; j++) {
                    members[i][k][j] = perDoc[i][k * d + j];
                    mean[i][j] += perDoc[i][k * d + j] / ensemble;
                }
            }
        }
        return new HeadOutputs(mean, members);
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
     * Whether the serialized form embeds the base encoder.
     * @return true when embedded.
     */
    public boolean isBaseModelEmbedded() {
        return settings.embedBaseModel();
    }

    /**
     * The base encoder file record (path, SHA-256, size).
     * @return the record.
     */
    public BaseModelFile getBaseModelFile() {
        return baseFile;
    }

    /**
     * The encoder.
     * @return the encoder.
     */
    public EncoderModel getEncoder() {
        return encoder;
    }

    /**
     * The tokenizer.
     * @return the tokenizer.
     */
    public Tokenizer getTokenizer() {
        return tokenizer;
    }

    /**
     * What the programs compute (LoRA, pooling, head outputs and loss).
     * @return the specification.
     */
    public ClassifierSpec getSpec() {
        return spec;
    }

    /**
     * A copy of the trained parameters.
     * @return the flat vector.
     */
    public float[] getParameters() {
        return params.clone();
    }

    /**
     * Tokens per example.
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
     * The metadata key of the second text of a sentence pair.
     * @return the key, or empty for a model of single texts.
     */
    public Optional<String> getPairKey() {
        return Optional.ofNullable(settings.pairKey());
    }


    @Override
    public LongText getLongText() {
        return settings.longText();
    }

    @Override
    public int getWindowStride() {
        return settings.windowStride();
    }

    @Override
    public int getThreads() {
        return settings.threads();
    }

    @Override
    public QuantizedMerge getQuantizedMerge() {
        return settings.quantizedMerge();
    }

    /**
     * Throws when the model is closed, before a copy is made of it.
     * @throws IllegalStateException when closed.
     */
    final void checkOpen() {
        sessions.checkOpen();
    }

    /**
     * The settings with another long-text policy, checked as every LoRA-Drop model's {@code withLongText} checks it.
     * @param s the settings.
     * @param tokenizer the model's tokenizer (it knows the special tokens a window holds).
     * @param mode what to do with long texts.
     * @param stride {@link LongText#WINDOWS} only: word pieces between the starts of two windows.
     * @return the new settings.
     * @throws IllegalArgumentException when the stride does not fit the window, or the model reads sentence pairs and
     *                                  the mode is not {@code TRUNCATE}.
     */
    static ModelSettings longTextSettings(ModelSettings s, Tokenizer tokenizer, LongText mode, int stride) {
        Objects.requireNonNull(mode, "mode");
        if (s.pairKey() != null && mode != LongText.TRUNCATE) {
            throw new IllegalArgumentException("Sentence pairs are always truncated; longText must be TRUNCATE, got " + mode);
        }
        new DocumentEncoder(tokenizer, s.maxLength(), mode, stride);
        return s.withLongText(mode, stride);
    }

    /**
     * The settings with another thread count, checked as every LoRA-Drop model's {@code withThreads} checks it.
     * @param s the settings.
     * @param n the thread count, from 0 (ONNX Runtime's choice) to the machine's cores.
     * @return the new settings.
     * @throws IllegalArgumentException when {@code n} is negative or more than the machine's cores.
     */
    static ModelSettings threadSettings(ModelSettings s, int n) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (n < 0 || n > cores) {
            throw new IllegalArgumentException("threads must be between 0 (ONNX Runtime's choice) and this machine's "
                    + cores + " cores, got " + n);
        }
        return s.withThreads(n);
    }

    /**
     * The settings with another int8 prediction form, as every LoRA-Drop model's {@code withQuantizedMerge} sets it.
     * @param s the settings.
     * @param form the form.
     * @return the new settings.
     * @throws NullPointerException when {@code form} is null.
     */
    static ModelSettings quantizedMergeSettings(ModelSettings s, QuantizedMerge form) {
        return s.withQuantizedMerge(Objects.requireNonNull(form, "form"));
    }

    /**
     * Whether {@link #close()} has been called.
     * @return true when closed.
     */
    public boolean isClosed() {
        return sessions.closed;
    }

    /** Releases the native sessions; the model cannot predict afterwards. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /**
     * LoRA-Drop models have no per-feature weights.
     * @param n ignored.
     * @return an empty map.
     */
    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        return Collections.emptyMap();
    }

    /**
     * No explanations.
     * @param example ignored.
     * @return empty.
     */
    @Override
    public Optional<Excuse<T>> getExcuse(Example<T> example) {
        return Optional.empty();
    }

    /**
     * A provenance whose instance values hold {@code value} under {@code key} (or lose {@code key} when it is null),
     * for options a copy of a model records.
     * @param p the provenance.
     * @param key the instance-provenance key.
     * @param value its value, or null to remove it.
     * @return the new provenance.
     */
    static ModelProvenance withInstanceValue(ModelProvenance p, String key, Provenance value) {
        return withInstanceValues(p, instance -> {
            if (value == null) {
                instance.remove(key);
            } else {
                instance.put(key, value);
            }
        });
    }

    /**
     * A provenance whose instance values are edited (the rest is kept as it is).
     * @param p the provenance.
     * @param edit changes a mutable copy of the instance values.
     * @return the new provenance.
     */
    static ModelProvenance withInstanceValues(ModelProvenance p, Consumer<Map<String, Provenance>> edit) {
        Map<String, Provenance> instance = new LinkedHashMap<>(p.getInstanceProvenance().getMap());
        edit.accept(instance);
        Map<String, Provenance> all = new HashMap<>();
        for (Pair<String, Provenance> e : p) {
            all.put(e.getA(), e.getB() == p.getInstanceProvenance() ? new MapProvenance<>(instance) : e.getB());
        }
        return new ModelProvenance(all);
    }

    // ---------------------------------------------------------------------------------------------- exports

    /**
     * What this output type adds to the exports: the output names in id order, what the merged ONNX model folds into
     * the head, and what the adapter sidecar records.
     * @return the head's export description.
     */
    abstract ModelExport.Head exportHead();

    /**
     * The output names in output id order (the head's row order): labels, or regression dimension names, as the
     * exports write them.
     * @return the names.
     */
    public List<String> getOutputNames() {
        return exportHead().names();
    }

    private ModelExport.Source exportSource() {
        return new ModelExport.Source(encoder, spec, params.clone(), getProvenance(), settings.ensembleSize(),
                settings.ensembleSeed(), new AdapterInput(settings.maxLength(), settings.textKey(), settings.pairKey()),
                tokenizer, exportHead(), settings.quantizedMerge());
    }

    /**
     * Builds the standalone ONNX model ({@link MergedOnnxExport}): LoRA merged into the encoder's weights, pooling and
     * head appended, inputs {@code input_ids}, {@code attention_mask} (and {@code token_type_ids} when the encoder
     * takes them). Its outputs are this model's deterministic ones (ensemble size 1; an ensemble cannot be merged
     * and a warning is logged): for a multi-label model {@code logits} and {@code probabilities}, one sigmoid per
     * label in output id order; for a regression model {@value MergedOnnxExport#PREDICTIONS}, the values in the
     * targets' original units (the training standardisation is folded into the head). Metadata:
     * {@value MergedOnnxExport#TRIBUO_PROVENANCE} holds this model's provenance as Tribuo's own ONNX exports store it,
     * {@value MergedOnnxExport#META_PROBLEM_TYPE} the problem type and {@value MergedOnnxExport#META_LABELS} the
     * labels or dimension names in output order.
     * @return the ONNX model.
     */
    public ai.onnx.proto.OnnxMl.ModelProto toOnnx() {
        sessions.checkOpen();
        return ModelExport.buildOnnx(exportSource());
    }

    /**
     * Writes {@link #toOnnx()} to a file, atomically.
     * @param file the {@code .onnx} file; its folder must exist.
     * @return the model written.
     * @throws IOException when the file cannot be written.
     */
    public ai.onnx.proto.OnnxMl.ModelProto exportOnnx(Path file) throws IOException {
        sessions.checkOpen();
        return ModelExport.writeOnnx(exportSource(), file);
    }

    /**
     * Writes the model as a PEFT LoRA adapter folder (see {@link PeftAdapter}), written as a whole: the head as
     * trained, {@code loradrop_config.json} with the problem type (Hugging Face's vocabulary), the multi-label
     * threshold or the regression target standardisation ({@code y = mean + std · z}: the head predicts standardised
     * targets, as PEFT sees it), the maximum length, pair key, tokenizer ids, ensemble and dropout samples, and
     * {@value ai.loradrop.interop.AdapterLabels#FILE_NAME} with the labels or dimension names in head-row order.
     * The corresponding fields of {@code options} are replaced.
     * @param dir the folder (created if missing; an existing one is replaced as a whole, its other files kept).
     * @param options key layout and base model name.
     * @throws IOException when a file cannot be written.
     */
    public void exportAdapter(Path dir, AdapterExportOptions options) throws IOException {
        sessions.checkOpen();
        ModelExport.writeAdapter(exportSource(), dir, options);
    }

    // ---------------------------------------------------------------------------------------------- serialization

    /**
     * What this output type adds to the serialized settings.
     * @return the settings.
     */
    abstract ModelCodec.OutputSettings outputSettings();

    /**
     * Serializes to protobuf (Tribuo's {@code ModelProto}, in the {@code LoraDropModelProto} schema of
     * {@link LoraDropModel} with the head loss and output settings); the base encoder is embedded or referenced as
     * the model's settings say.
     * @return the protobuf.
     */
    @Override
    public ModelProto serialize() {
        ModelDataCarrier<T> carrier = createDataCarrier();
        ByteString base = settings.embedBaseModel() ? encoder.model().toByteString() : null;
        Any payload = ModelCodec.encode(new ModelCodec.Payload(carrier.serialize(), tokenizer.toJsonBytes(),
                tokenizer.sourceSha256(), base, baseFile, spec, params, settings, outputSettings()));
        return ModelProto.newBuilder()
                .setVersion(LoraDropModel.CURRENT_VERSION)
                .setClassName(getClass().getName())
                .setSerializedData(payload)
                .build();
    }

    /**
     * The parts of a deserialized model.
     * @param carrier Tribuo's metadata.
     * @param encoder the encoder.
     * @param baseFile its file record.
     * @param tokenizer the tokenizer.
     * @param payload the payload.
     */
    record Parts(ModelDataCarrier<?> carrier, EncoderModel encoder, BaseModelFile baseFile, Tokenizer tokenizer,
                 ModelCodec.Payload payload) {}

    /**
     * Reads the shared part of a serialized model.
     * @param version the serialized version.
     * @param message the payload.
     * @param outputType the output class the domain must hold.
     * @param className the model class, for errors.
     * @return the parts.
     * @throws IOException when the payload is corrupt or the base encoder cannot be read.
     */
    static Parts readParts(int version, Any message, Class<?> outputType, String className) throws IOException {
        if (version < 0 || version > LoraDropModel.CURRENT_VERSION) {
            throw new IllegalArgumentException("Unknown " + className + " serialization version " + version
                    + "; this class reads at most version " + LoraDropModel.CURRENT_VERSION);
        }
        ModelCodec.Payload p = ModelCodec.decode(message, version);
        ModelDataCarrier<?> carrier = ModelDataCarrier.deserialize(p.metadata());
        if (!outputType.isInstance(carrier.outputDomain().getOutput(0))) {
            throw new IllegalStateException("Invalid " + className + " protobuf: the output domain holds "
                    + carrier.outputDomain().getOutput(0).getClass().getName() + ", expected " + outputType.getSimpleName());
        }
        if (p.outputs() == null) {
            throw new IOException("Invalid " + className + " protobuf: it records no head loss (a classifier's file?)");
        }
        EncoderModel encoder = p.baseModel() != null
                ? EncoderModel.of(OnnxModels.parse(p.baseModel().toByteArray(), "embedded base model"))
                : LoraDropModel.loadReferencedBase(p.baseFile(), null).quantized(LoraDropModel.quantizeBaseOf(carrier.provenance()));
        Tokenizer tokenizer = Tokenizer.fromJson(p.tokenizerJson(), p.tokenizerSha256());
        return new Parts(carrier, encoder, p.baseFile(), tokenizer, p);
    }

    /**
     * Java serialization writes the protobuf form (see {@link #serialize()}).
     * @return the serialized form.
     */
    Object writeReplace() {
        return new SerializedForm(serialize().toByteArray());
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("A LoRA-Drop model is read through its serialized form only");
    }

    /**
     * The Java-serialized form of a model: its Tribuo protobuf bytes.
     */
    static final class SerializedForm implements Serializable {
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
                return Model.deserialize(ModelProto.parseFrom(in));
            } catch (IOException | RuntimeException e) {
                InvalidObjectException ex = new InvalidObjectException("Cannot read a LoRA-Drop model: " + e.getMessage());
                ex.initCause(e);
                throw ex;
            }
        }
    }
}
