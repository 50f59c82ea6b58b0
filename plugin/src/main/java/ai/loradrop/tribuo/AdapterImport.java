/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.AdapterInput;
import ai.loradrop.interop.AdapterLabels;
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
 * Builds a {@link LoraDropModel} from a PEFT adapter folder: the body of {@link LoraDropModel#fromAdapter}.
 */
final class AdapterImport {
    private static final Logger logger = Logger.getLogger(AdapterImport.class.getName());

    private AdapterImport() {}

    static LoraDropModel load(Path baseModel, Path tokenizerFile, Path adapterDir, List<String> labels, int maxLength,
                              AdapterImportOptions options) throws IOException {
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
        ImportedAdapter adapter = PeftAdapter.read(dir, encoder, options.pooling());
        TokenizerFit.compare(tokenizer, adapter.tokenizer(), dir.toString());
        int classes = adapter.spec().numClasses();

        List<String> names;
        String source;
        if (labels != null) {
            names = AdapterLabels.check(labels, "The labels given");
            source = "argument";
            if (names.size() != classes) {
                throw new IllegalArgumentException("Got " + names.size() + " labels " + names + " but the adapter's classifier head in "
                        + dir + " has " + classes + " classes");
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
                    + "); its " + classes + " classes are named by their index 0.." + (classes - 1));
        }
        if (!adapter.hasLoraDropSidecar()) {
            logger.info("The adapter " + dir + " was not written by LoRA-Drop; reading it with " + adapter.spec().pooling()
                    + " pooling and no LoRA dropout at prediction time");
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
            throw new IllegalArgumentException("The adapter " + dir + " classifies single texts (" + PeftAdapter.SIDECAR_FILE
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
        MutableDataset<Label> none = new MutableDataset<>(sourceProvenance, new LabelFactory());
        DatasetProvenance datasetProvenance = new DatasetProvenance(sourceProvenance, new ListProvenance<>(), none);
        AdapterImportProvenance importProvenance = new AdapterImportProvenance(new AdapterImportProvenance.Settings(
                dir.toString(), base.toString(), tok.toString(), maxLen, options.textKey(), pair,
                adapter.spec().pooling().name(), names, source), adapterSha, baseFile, tokenizer.sourceSha256(), Files.size(tok));
        ModelProvenance provenance = LoraDropModel.provenanceWithOptions(new ModelProvenance(LoraDropModel.class.getName(),
                OffsetDateTime.now(), datasetProvenance, importProvenance, new LinkedHashMap<>()), settings);
        logger.fine(() -> "Imported adapter " + dir + " onto " + base + ": " + classes + " classes " + names);
        return new LoraDropModel("loradrop-adapter-model", provenance, placeholderFeatureMap(), labelInfo(names), encoder,
                baseFile, tokenizer, adapter.spec(), adapter.params(), settings);
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
