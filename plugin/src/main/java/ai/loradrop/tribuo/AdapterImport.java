/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.AdapterInput;
import ai.loradrop.interop.AdapterLabels;
import ai.loradrop.interop.AdapterOutputs;
import ai.loradrop.interop.ProblemType;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.io.Sha256;
import ai.loradrop.interop.ImportedAdapter;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.interop.TokenizerFit;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.text.Tokenizer;
import ai.loradrop.tribuo.data.TextExamples;
import com.google.protobuf.Any;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.MutableDataset;
import org.tribuo.MutableFeatureMap;
import org.tribuo.MutableOutputInfo;
import org.tribuo.Output;
import org.tribuo.OutputFactory;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.MultiLabelFactory;
import org.tribuo.regression.ImmutableRegressionInfo;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.classification.ImmutableLabelInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.protos.ImmutableLabelInfoProto;
import org.tribuo.provenance.DatasetProvenance;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Builds a model from a PEFT adapter folder: the body of {@link LoraDropModel#fromAdapter},
 * {@link LoraDropMultiLabelModel#fromAdapter} and {@link LoraDropRegressionModel#fromAdapter}. An adapter whose
 * sidecar records another problem type than the model class imports is refused; one written by PEFT (no sidecar)
 * is read as the model class's type.
 */
final class AdapterImport {
    private static final Logger logger = Logger.getLogger(AdapterImport.class.getName());

    private AdapterImport() {}

    /**
     * Imports a classifier ({@link LoraDropModel#fromAdapter}).
     */
    static LoraDropModel load(Path baseModel, Path tokenizerFile, Path adapterDir, List<String> labels, int maxLength,
                              AdapterImportOptions options) throws IOException {
        requireNoThreshold(options, ProblemType.SINGLE_LABEL_CLASSIFICATION);
        Imported<Label> i = read(baseModel, tokenizerFile, adapterDir, labels, maxLength, options,
                ProblemType.SINGLE_LABEL_CLASSIFICATION, new LabelFactory(), LoraDropModel.class);
        return new LoraDropModel("loradrop-adapter-model", i.provenance(), placeholderFeatureMap(), labelInfo(i.names()),
                i.encoder(), i.baseFile(), i.tokenizer(), i.adapter().spec(), i.adapter().params(), i.settings());
    }

    /**
     * Imports a multi-label model ({@link LoraDropMultiLabelModel#fromAdapter}): the threshold of the options, else
     * the one the sidecar records, else the trainer's default.
     */
    static LoraDropMultiLabelModel loadMultiLabel(Path baseModel, Path tokenizerFile, Path adapterDir, List<String> labels,
                                                  int maxLength, AdapterImportOptions options) throws IOException {
        Imported<MultiLabel> i = read(baseModel, tokenizerFile, adapterDir, labels, maxLength, options,
                ProblemType.MULTI_LABEL_CLASSIFICATION, new MultiLabelFactory(), LoraDropMultiLabelModel.class);
        double threshold = !Double.isNaN(options.threshold()) ? options.threshold()
                : !Double.isNaN(i.adapter().outputs().threshold()) ? i.adapter().outputs().threshold()
                : defaultThreshold();
        MutableOutputInfo<MultiLabel> info = new MultiLabelFactory().generateInfo();
        for (String n : i.names()) {
            info.observe(new MultiLabel(n));
        }
        ImmutableOutputInfo<MultiLabel> domain = info.generateImmutableOutputInfo();
        int[] rowOfId = rowOfId(i.names(), id -> domain.getOutput(id).getLabelString(), domain.size());
        return new LoraDropMultiLabelModel("loradrop-adapter-multilabel-model", i.provenance(), placeholderFeatureMap(),
                domain, i.encoder(), i.baseFile(), i.tokenizer(), i.adapter().spec(),
                permuteHead(i.adapter(), rowOfId), i.settings(), threshold);
    }

    /**
     * Imports a regression model ({@link LoraDropRegressionModel#fromAdapter}) with the target standardisation the
     * sidecar records (none for an adapter written by PEFT: its head is taken to predict in the targets' units).
     */
    static LoraDropRegressionModel loadRegression(Path baseModel, Path tokenizerFile, Path adapterDir, List<String> names,
                                                  int maxLength, AdapterImportOptions options) throws IOException {
        requireNoThreshold(options, ProblemType.REGRESSION);
        Imported<Regressor> i = read(baseModel, tokenizerFile, adapterDir, names, maxLength, options,
                ProblemType.REGRESSION, new RegressionFactory(), LoraDropRegressionModel.class);
        int d = i.names().size();
        AdapterOutputs o = i.adapter().outputs();
        double[] mean = o.hasStandardisation() ? o.targetMean() : new double[d];
        double[] std = o.hasStandardisation() ? o.targetStd() : ones(d);
        if (!o.hasStandardisation()) {
            logger.info("The adapter " + adapterDir + " records no target standardisation (it was not written by LoRA-Drop);"
                    + " its head's outputs are taken as predictions in the targets' units");
        }
        MutableOutputInfo<Regressor> info = new RegressionFactory().generateInfo();
        info.observe(new Regressor(i.names().toArray(new String[0]), mean));
        ImmutableOutputInfo<Regressor> domain = info.generateImmutableOutputInfo();
        String[] natural = Regressor.extractNames(domain);
        int[] naturalOfId = ((ImmutableRegressionInfo) domain).getIDtoNaturalOrderMapping();
        int[] rowOfId = rowOfId(i.names(), id -> natural[naturalOfId[id]], domain.size());
        double[] idMean = new double[d];
        double[] idStd = new double[d];
        for (int id = 0; id < d; id++) {
            idMean[id] = mean[rowOfId[id]];
            idStd[id] = std[rowOfId[id]];
        }
        return new LoraDropRegressionModel("loradrop-adapter-regression-model", i.provenance(), placeholderFeatureMap(),
                domain, i.encoder(), i.baseFile(), i.tokenizer(), i.adapter().spec(),
                permuteHead(i.adapter(), rowOfId), i.settings(), idMean, idStd);
    }

    /** What every import reads: the parts of the model before its output domain. */
    private record Imported<T extends Output<T>>(EncoderModel encoder, BaseModelFile baseFile, Tokenizer tokenizer,
                                                 ImportedAdapter adapter, List<String> names, ModelSettings settings,
                                                 ModelProvenance provenance) {}

    private static <T extends Output<T>> Imported<T> read(Path baseModel, Path tokenizerFile, Path adapterDir,
                                                          List<String> labels, int maxLength, AdapterImportOptions options,
                                                          ProblemType expected, OutputFactory<T> factory,
                                                          Class<?> modelClass) throws IOException {
        Objects.requireNonNull(options, "options");
        requireFile(baseModel, "base model");
        requireFile(tokenizerFile, "tokenizer");
        if (!Files.isDirectory(adapterDir)) {
            throw new NoSuchFileException(adapterDir.toString(), null, "adapter folder not found");
        }
        if (maxLength != 0 && maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be at least 2 (room for [CLS] and [SEP]), or 0 for the adapter's"
                    + " own, got " + maxLength);
        }
        Path base = baseModel.toAbsolutePath().normalize();
        Path tok = tokenizerFile.toAbsolutePath().normalize();
        Path dir = adapterDir.toAbsolutePath().normalize();
        EncoderModel encoder = EncoderModel.load(base);
        BaseModelFile baseFile = new BaseModelFile(base.toString(), sha256(base), Files.size(base));
        Tokenizer tokenizer = Tokenizer.fromFile(tok);
        TokenizerFit.check(tokenizer, encoder, tok.toString(), base.toString());
        Path weights = dir.resolve(PeftAdapter.WEIGHTS_FILE);
        // Hash before reading, so the recorded hash is of the bytes (at the latest) as they were read.
        String adapterSha = Files.isRegularFile(weights) ? sha256(weights) : null;
        ImportedAdapter adapter = PeftAdapter.read(dir, encoder, options.pooling(), expected.defaultLoss());
        if (adapter.problemType() != null && adapter.problemType() != expected) {
            throw new IOException("The adapter in " + dir + " is a " + adapter.problemType() + " adapter ("
                    + PeftAdapter.SIDECAR_FILE + " records problem_type '" + adapter.problemType().hfName() + "'), but "
                    + modelClass.getSimpleName() + " imports " + expected.hfName() + " adapters; use "
                    + importerOf(adapter.problemType()) + ".fromAdapter");
        }
        TokenizerFit.compare(tokenizer, adapter.tokenizer(), dir.toString());
        int classes = adapter.spec().numClasses();
        int min = adapter.spec().loss().minOutputs();
        boolean classifier = expected == ProblemType.SINGLE_LABEL_CLASSIFICATION;
        String unit = classifier ? " classes" : " outputs";

        List<String> names;
        String source;
        if (labels != null) {
            names = AdapterLabels.check(labels, "The labels given", min);
            source = "argument";
            if (names.size() != classes) {
                throw new IllegalArgumentException("Got " + names.size() + " labels " + names + " but the adapter's head in "
                        + dir + " has " + classes + unit);
            }
        } else if (adapter.labels() != null) {
            names = adapter.labels();
            source = "labels-file";
        } else {
            names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add(Integer.toString(i));
            }
            source = "class-index";
            logger.info("The adapter " + dir + " records no label names (no " + AdapterLabels.FILE_NAME
                    + "); its " + classes + unit + " are named by their index 0.." + (classes - 1));
        }
        if (!adapter.hasLoraDropSidecar()) {
            logger.info("The adapter " + dir + " was not written by LoRA-Drop; reading it as a " + expected + " head with "
                    + adapter.spec().pooling() + " pooling and no LoRA dropout at prediction time");
        }
        AdapterInput recorded = adapter.input();
        int length = maxLength;
        if (recorded != null && maxLength == 0) {
            length = recorded.maxLength();
        } else if (recorded != null && maxLength != recorded.maxLength()) {
            logger.warning("The adapter " + dir + " was exported with a maximum length of " + recorded.maxLength() + " tokens; "
                    + "predicting with " + maxLength + " as asked, which changes the predictions of texts longer than the shorter one");
        } else if (maxLength == 0) {
            length = defaultMaxLength();
        }
        String pairKey = options.pairKey();
        if (recorded != null && recorded.pairs() && pairKey == null) {
            pairKey = recorded.pairKey();
        } else if (recorded != null && !recorded.pairs() && pairKey != null) {
            throw new IllegalArgumentException("The adapter " + dir + (classifier ? " classifies" : " reads") + " single texts (" + PeftAdapter.SIDECAR_FILE
                    + " records no pair key), but a pair key '" + pairKey + "' was given");
        }
        if (pairKey != null && pairKey.equals(options.textKey())) {
            throw new IllegalArgumentException("The adapter's pair key '" + pairKey + "' equals the text key; set another text key");
        }
        int maxLen = length;
        String pair = pairKey;
        int k = adapter.ensembleMembers() > 1 && adapter.spec().lora().hasDropout() ? adapter.ensembleMembers() : 1;
        ModelSettings settings = new ModelSettings(maxLen, options.textKey(), pair, k,
                k > 1 ? adapter.ensembleSeed() : 1L, 1.0, options.embedBaseModel(), options.threads(), options.batchSize());

        AdapterSourceProvenance sourceProvenance = new AdapterSourceProvenance(dir.toString(), adapterSha,
                OffsetDateTime.ofInstant(Files.getLastModifiedTime(weights).toInstant(), ZoneId.systemDefault()),
                adapter.baseModel(), adapter.hasLoraDropSidecar());
        MutableDataset<T> none = new MutableDataset<>(sourceProvenance, factory);
        DatasetProvenance datasetProvenance = new DatasetProvenance(sourceProvenance, new ListProvenance<>(), none);
        AdapterImportProvenance importProvenance = new AdapterImportProvenance(new AdapterImportProvenance.Settings(
                dir.toString(), base.toString(), tok.toString(), maxLen, options.textKey(), pair,
                adapter.spec().pooling().name(), names, source), adapterSha, baseFile, tokenizer.sourceSha256(), Files.size(tok));
        ModelProvenance provenance = LoraDropModel.provenanceWithOptions(new ModelProvenance(modelClass.getName(),
                OffsetDateTime.now(), datasetProvenance, importProvenance, new LinkedHashMap<>()), settings);
        List<String> finalNames = names;
        logger.fine(() -> "Imported adapter " + dir + " onto " + base + ": " + classes + unit + " " + finalNames);
        return new Imported<>(encoder, baseFile, tokenizer, adapter, names, settings, provenance);
    }

    /** The model class whose {@code fromAdapter} imports adapters of a problem type. */
    private static String importerOf(ProblemType t) {
        return switch (t) {
            case SINGLE_LABEL_CLASSIFICATION -> LoraDropModel.class.getSimpleName();
            case MULTI_LABEL_CLASSIFICATION -> LoraDropMultiLabelModel.class.getSimpleName();
            case REGRESSION -> LoraDropRegressionModel.class.getSimpleName();
        };
    }

    private static void requireNoThreshold(AdapterImportOptions options, ProblemType type) {
        if (!Double.isNaN(options.threshold())) {
            throw new IllegalArgumentException("A decision threshold (" + options.threshold() + ") applies to multi-label"
                    + " imports, not to " + type + " ones");
        }
    }

    /**
     * For each output id of a domain, the head row (in the adapter's label order) of the output with that id's name.
     */
    private static int[] rowOfId(List<String> names, java.util.function.IntFunction<String> nameOfId, int size) {
        int[] out = new int[size];
        for (int id = 0; id < size; id++) {
            out[id] = names.indexOf(nameOfId.apply(id));
            if (out[id] < 0) {
                throw new IllegalStateException("Output '" + nameOfId.apply(id) + "' of the domain is not among " + names);
            }
        }
        return out;
    }

    /** The adapter's parameters with the head's rows in output id order (row {@code id} = adapter row {@code rowOfId[id]}). */
    private static float[] permuteHead(ImportedAdapter adapter, int[] rowOfId) {
        float[] p = adapter.params();
        float[] src = p.clone();
        ParameterLayout.Entry w = adapter.layout().entry(ParameterLayout.CLASSIFIER_WEIGHT);
        ParameterLayout.Entry b = adapter.layout().entry(ParameterLayout.CLASSIFIER_BIAS);
        int hidden = (int) w.shape()[1];
        for (int id = 0; id < rowOfId.length; id++) {
            System.arraycopy(src, w.offset() + rowOfId[id] * hidden, p, w.offset() + id * hidden, hidden);
            p[b.offset() + id] = src[b.offset() + rowOfId[id]];
        }
        return p;
    }

    private static double[] ones(int n) {
        double[] o = new double[n];
        java.util.Arrays.fill(o, 1.0);
        return o;
    }

    /**
     * The multi-label trainer's default decision threshold (its {@code threshold} configuration field), for imports
     * that give none and adapters that record none.
     * @return the threshold.
     */
    static double defaultThreshold() {
        return LoraDropMultiLabelTrainer.settings().stream().filter(s -> s.name().equals("threshold"))
                .map(s -> (Double) s.defaultValue()).findFirst()
                .orElseThrow(() -> new IllegalStateException("LoraDropMultiLabelTrainer has no threshold setting"));
    }

    /** The trainer's default maximum length (its {@code maxLength} configuration field), for adapters that record none. */
    static int defaultMaxLength() {
        return LoraDropTrainer.settings().stream().filter(s -> s.name().equals("maxLength"))
                .map(s -> (Integer) s.defaultValue()).findFirst()
                .orElseThrow(() -> new IllegalStateException("LoraDropTrainer has no maxLength setting"));
    }

    private static void requireFile(Path p, String what) throws NoSuchFileException {
        Objects.requireNonNull(p, what);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, what + " file not found");
        }
    }

    private static String sha256(Path p) throws IOException {
        return Sha256.of(p);
    }

    /** The feature map of a text model: the one placeholder feature every text example carries. */
    static ImmutableFeatureMap placeholderFeatureMap() {
        MutableFeatureMap m = new MutableFeatureMap();
        m.add(TextExamples.PLACEHOLDER_FEATURE, TextExamples.PLACEHOLDER_VALUE);
        return new ImmutableFeatureMap(m);
    }

    /**
     * A label domain whose ids follow the given order (label {@code i} gets id {@code i}), which Tribuo's public API
     * offers only through its protobuf form. Tribuo requires positive label counts; no examples were seen, so each
     * label counts once.
     */
    static ImmutableOutputInfo<Label> labelInfo(List<String> labels) {
        ImmutableLabelInfoProto.Builder b = ImmutableLabelInfoProto.newBuilder();
        for (int i = 0; i < labels.size(); i++) {
            b.addLabel(labels.get(i)).addCount(1).addId(i);
        }
        try {
            return ImmutableLabelInfo.deserializeFromProto(0, ImmutableLabelInfo.class.getName(), Any.pack(b.build()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("Cannot build a label domain for " + labels, e);
        }
    }
}
