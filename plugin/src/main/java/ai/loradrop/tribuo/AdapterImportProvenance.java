/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceException;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.tribuo.Tribuo;
import org.tribuo.provenance.TrainerProvenance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The trainer provenance of a {@link LoraDropModel} read from a PEFT adapter folder ({@link LoraDropModel#fromAdapter}):
 * no Java trainer ran, so this records the import instead. Its configured parameters are the import's settings (adapter
 * folder, base encoder and tokenizer paths, maximum length, metadata keys, pooling, labels and where they came from);
 * its instance values are the SHA-256 of {@code adapter_model.safetensors}, the SHA-256 and size of the encoder and
 * tokenizer files (lower-case hex, as {@link LoraDropTrainerProvenance} records them) and the Tribuo version.
 * <p>
 * The class name it reports is its own: {@code ProvenanceUtil.extractConfiguration} on such a model does not give a
 * configuration that retrains it (the adapter was trained elsewhere, typically by PEFT in Python).
 */
public final class AdapterImportProvenance implements TrainerProvenance {
    private static final long serialVersionUID = 1L;

    /** Configured parameter: the adapter folder's absolute path. */
    public static final String ADAPTER_PATH = "adapter-path";
    /** Configured parameter: the base encoder file's absolute path. */
    public static final String BASE_MODEL_PATH = "base-model-path";
    /** Configured parameter: the tokenizer file's absolute path. */
    public static final String TOKENIZER_PATH = "tokenizer-path";
    /** Configured parameter: tokens per example. */
    public static final String MAX_LENGTH = "max-length";
    /** Configured parameter: the metadata key of the text. */
    public static final String TEXT_KEY = "text-key";
    /** Configured parameter: the metadata key of the second text (empty for single texts). */
    public static final String PAIR_KEY = "pair-key";
    /** Configured parameter: the pooling used. */
    public static final String POOLING = "pooling";
    /** Configured parameter: the labels in class-id order. */
    public static final String LABELS = "labels";
    /** Configured parameter: where the labels came from: {@code argument}, {@code labels-file} or {@code class-index}. */
    public static final String LABELS_SOURCE = "labels-source";
    /** Instance value: SHA-256 of {@code adapter_model.safetensors}. */
    public static final String ADAPTER_SHA256 = "adapter-sha256";

    private static final List<String> CONFIGURED = List.of(ADAPTER_PATH, BASE_MODEL_PATH, TOKENIZER_PATH, MAX_LENGTH, TEXT_KEY,
            PAIR_KEY, POOLING, LABELS, LABELS_SOURCE);
    private static final List<String> INSTANCE = List.of(ADAPTER_SHA256, LoraDropTrainerProvenance.BASE_MODEL_SHA256,
            LoraDropTrainerProvenance.BASE_MODEL_SIZE, LoraDropTrainerProvenance.TOKENIZER_SHA256,
            LoraDropTrainerProvenance.TOKENIZER_SIZE, TRIBUO_VERSION_STRING);

    /** The import's settings. */
    private final Map<String, Provenance> configured;
    /** The file hashes and sizes and the Tribuo version. */
    private final Map<String, PrimitiveProvenance<?>> instance;

    /**
     * Records an import.
     * @param settings the import's settings, in {@link #CONFIGURED} order.
     * @param adapterSha256 SHA-256 of the adapter weights.
     * @param base the encoder file.
     * @param tokenizerSha256 SHA-256 of the tokenizer file.
     * @param tokenizerSize size of the tokenizer file.
     */
    AdapterImportProvenance(Settings settings, String adapterSha256, BaseModelFile base, String tokenizerSha256,
                            long tokenizerSize) {
        Map<String, Provenance> c = new LinkedHashMap<>();
        c.put(ADAPTER_PATH, new StringProvenance(ADAPTER_PATH, settings.adapterPath()));
        c.put(BASE_MODEL_PATH, new StringProvenance(BASE_MODEL_PATH, settings.baseModelPath()));
        c.put(TOKENIZER_PATH, new StringProvenance(TOKENIZER_PATH, settings.tokenizerPath()));
        c.put(MAX_LENGTH, new IntProvenance(MAX_LENGTH, settings.maxLength()));
        c.put(TEXT_KEY, new StringProvenance(TEXT_KEY, settings.textKey()));
        c.put(PAIR_KEY, new StringProvenance(PAIR_KEY, settings.pairKey() == null ? "" : settings.pairKey()));
        c.put(POOLING, new StringProvenance(POOLING, settings.pooling()));
        List<StringProvenance> labels = new ArrayList<>();
        settings.labels().forEach(l -> labels.add(new StringProvenance(LABELS, l)));
        c.put(LABELS, new ListProvenance<>(labels));
        c.put(LABELS_SOURCE, new StringProvenance(LABELS_SOURCE, settings.labelsSource()));
        Map<String, PrimitiveProvenance<?>> i = new LinkedHashMap<>();
        i.put(ADAPTER_SHA256, new HashProvenance(ProvenanceUtil.HashType.SHA256, ADAPTER_SHA256, adapterSha256));
        i.put(LoraDropTrainerProvenance.BASE_MODEL_SHA256, new HashProvenance(ProvenanceUtil.HashType.SHA256,
                LoraDropTrainerProvenance.BASE_MODEL_SHA256, base.sha256()));
        i.put(LoraDropTrainerProvenance.BASE_MODEL_SIZE, new LongProvenance(LoraDropTrainerProvenance.BASE_MODEL_SIZE, base.size()));
        i.put(LoraDropTrainerProvenance.TOKENIZER_SHA256, new HashProvenance(ProvenanceUtil.HashType.SHA256,
                LoraDropTrainerProvenance.TOKENIZER_SHA256, tokenizerSha256));
        i.put(LoraDropTrainerProvenance.TOKENIZER_SIZE, new LongProvenance(LoraDropTrainerProvenance.TOKENIZER_SIZE, tokenizerSize));
        i.put(TRIBUO_VERSION_STRING, new StringProvenance(TRIBUO_VERSION_STRING, Tribuo.VERSION));
        this.configured = Collections.unmodifiableMap(c);
        this.instance = Collections.unmodifiableMap(i);
    }

    /**
     * The settings of an import, as recorded.
     * @param adapterPath the adapter folder.
     * @param baseModelPath the encoder file.
     * @param tokenizerPath the tokenizer file.
     * @param maxLength tokens per example.
     * @param textKey the text's metadata key.
     * @param pairKey the second text's metadata key, or null.
     * @param pooling the pooling's name.
     * @param labels the labels in class-id order.
     * @param labelsSource where the labels came from.
     */
    record Settings(String adapterPath, String baseModelPath, String tokenizerPath, int maxLength, String textKey,
                    String pairKey, String pooling, List<String> labels, String labelsSource) {}

    /**
     * Deserialization constructor, used by OLCUT and Tribuo's protobuf serialization.
     * @param provenances the provenances.
     * @throws ProvenanceException when a field is missing or has the wrong type.
     */
    public AdapterImportProvenance(Map<String, Provenance> provenances) {
        Map<String, Provenance> map = new HashMap<>(provenances);
        String owner = AdapterImportProvenance.class.getSimpleName();
        Map<String, Provenance> c = new LinkedHashMap<>();
        for (String k : CONFIGURED) {
            Class<? extends Provenance> type = k.equals(MAX_LENGTH) ? IntProvenance.class
                    : k.equals(LABELS) ? ListProvenance.class : StringProvenance.class;
            c.put(k, ObjectProvenance.checkAndExtractProvenance(map, k, type, owner));
        }
        Map<String, PrimitiveProvenance<?>> i = new LinkedHashMap<>();
        for (String k : INSTANCE) {
            Class<? extends PrimitiveProvenance<?>> type = k.endsWith("sha256") ? HashProvenance.class
                    : k.endsWith("size") ? LongProvenance.class : StringProvenance.class;
            i.put(k, ObjectProvenance.checkAndExtractProvenance(map, k, type, owner));
        }
        this.configured = Collections.unmodifiableMap(c);
        this.instance = Collections.unmodifiableMap(i);
    }

    /**
     * The SHA-256 of the adapter's weights file.
     * @return 64 lower-case hex digits.
     */
    public String getAdapterSha256() {
        return ((HashProvenance) instance.get(ADAPTER_SHA256)).getValue();
    }

    /**
     * The adapter folder.
     * @return its absolute path as recorded.
     */
    public String getAdapterPath() {
        return ((StringProvenance) configured.get(ADAPTER_PATH)).getValue();
    }

    /**
     * The SHA-256 of the base encoder file.
     * @return 64 lower-case hex digits.
     */
    public String getBaseModelSha256() {
        return ((HashProvenance) instance.get(LoraDropTrainerProvenance.BASE_MODEL_SHA256)).getValue();
    }

    /**
     * Where the labels came from.
     * @return {@code argument}, {@code labels-file} or {@code class-index}.
     */
    public String getLabelsSource() {
        return ((StringProvenance) configured.get(LABELS_SOURCE)).getValue();
    }

    @Override
    public Map<String, Provenance> getConfiguredParameters() {
        return configured;
    }

    @Override
    public Map<String, PrimitiveProvenance<?>> getInstanceValues() {
        return new LinkedHashMap<>(instance);
    }

    /**
     * This class's name: the model was imported, not trained by a Java trainer.
     * @return the class name.
     */
    @Override
    public String getClassName() {
        return AdapterImportProvenance.class.getName();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof AdapterImportProvenance that && configured.equals(that.configured) && instance.equals(that.instance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(configured, instance);
    }

    @Override
    public String toString() {
        return generateString("AdapterImport");
    }
}
