/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.tribuo.provenance.SkeletalTrainerProvenance;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Provenance of a {@link LoraDropTrainer}: every configured hyperparameter (recorded by Tribuo from the
 * {@code @Config} fields) plus the SHA-256 (lower-case hex) and size in bytes of the base encoder file and of the
 * tokenizer file, as instance values, and with {@code initialAdapterPath} the SHA-256 of the initial adapter's
 * {@code adapter_model.safetensors}, and with a named {@code encoder} the Maven coordinates of the artifact its files
 * came from. The hashes are of the exact bytes the training run used.
 * <p>
 * The instance values are kept apart from the configuration, so
 * {@code ProvenanceUtil.extractConfiguration(model.getProvenance())} gives a configuration that rebuilds the trainer.
 */
public final class LoraDropTrainerProvenance extends SkeletalTrainerProvenance {
    private static final long serialVersionUID = 1L;

    /** Key of the base encoder file's SHA-256. */
    public static final String BASE_MODEL_SHA256 = "base-model-sha256";
    /** Key of the base encoder file's size in bytes. */
    public static final String BASE_MODEL_SIZE = "base-model-size";
    /** Key of the tokenizer file's SHA-256. */
    public static final String TOKENIZER_SHA256 = "tokenizer-sha256";
    /** Key of the tokenizer file's size in bytes. */
    public static final String TOKENIZER_SIZE = "tokenizer-size";
    /** Key of the SHA-256 of the initial adapter's {@code adapter_model.safetensors} (only with {@code initialAdapterPath}). */
    public static final String INITIAL_ADAPTER_SHA256 = "initial-adapter-sha256";
    /** Key of the Maven coordinates of a named encoder's artifact (only with {@code encoder}). */
    public static final String ENCODER_ARTIFACT = "encoder-artifact";

    /** The base encoder file's SHA-256. */
    private final HashProvenance baseModelSha256;
    /** The base encoder file's size in bytes. */
    private final LongProvenance baseModelSize;
    /** The tokenizer file's SHA-256. */
    private final HashProvenance tokenizerSha256;
    /** The tokenizer file's size in bytes. */
    private final LongProvenance tokenizerSize;
    /** The initial adapter's weights hash, or null when training started from scratch. */
    private final HashProvenance initialAdapterSha256;
    /** The named encoder's artifact coordinates, or null when the base model was given by path. */
    private final StringProvenance encoderArtifact;

    /**
     * Records a trainer with the fingerprints of its files.
     * @param host the trainer.
     * @param base the base encoder file.
     * @param tokenizerSha the tokenizer file's SHA-256.
     * @param tokenizerBytes the tokenizer file's size.
     * @param adapterSha the SHA-256 of the initial adapter's weights, or null without one.
     * @param artifact the Maven coordinates of the named encoder's artifact, or null for a base model given by path.
     */
    LoraDropTrainerProvenance(AbstractLoraDropTrainer<?, ?> host, BaseModelFile base, String tokenizerSha, long tokenizerBytes,
                              String adapterSha, String artifact) {
        super(host);
        this.encoderArtifact = artifact == null ? null : new StringProvenance(ENCODER_ARTIFACT, artifact);
        this.initialAdapterSha256 = adapterSha == null ? null
                : new HashProvenance(ProvenanceUtil.HashType.SHA256, INITIAL_ADAPTER_SHA256, adapterSha);
        this.baseModelSha256 = new HashProvenance(ProvenanceUtil.HashType.SHA256, BASE_MODEL_SHA256, base.sha256());
        this.baseModelSize = new LongProvenance(BASE_MODEL_SIZE, base.size());
        this.tokenizerSha256 = new HashProvenance(ProvenanceUtil.HashType.SHA256, TOKENIZER_SHA256, tokenizerSha);
        this.tokenizerSize = new LongProvenance(TOKENIZER_SIZE, tokenizerBytes);
    }

    /**
     * Deserialization constructor, used by OLCUT and Tribuo's protobuf serialization.
     * @param map the provenances.
     */
    public LoraDropTrainerProvenance(Map<String, Provenance> map) {
        this(extract(map));
    }

    private LoraDropTrainerProvenance(ExtractedInfo info) {
        super(info);
        this.baseModelSha256 = (HashProvenance) info.instanceValues.get(BASE_MODEL_SHA256);
        this.baseModelSize = (LongProvenance) info.instanceValues.get(BASE_MODEL_SIZE);
        this.tokenizerSha256 = (HashProvenance) info.instanceValues.get(TOKENIZER_SHA256);
        this.tokenizerSize = (LongProvenance) info.instanceValues.get(TOKENIZER_SIZE);
        this.initialAdapterSha256 = (HashProvenance) info.instanceValues.get(INITIAL_ADAPTER_SHA256);
        this.encoderArtifact = (StringProvenance) info.instanceValues.get(ENCODER_ARTIFACT);
    }

    private static ExtractedInfo extract(Map<String, Provenance> map) {
        ExtractedInfo info = SkeletalTrainerProvenance.extractProvenanceInfo(map);
        String owner = LoraDropTrainerProvenance.class.getSimpleName();
        info.instanceValues.put(BASE_MODEL_SHA256, ObjectProvenance.checkAndExtractProvenance(info.configuredParameters,
                BASE_MODEL_SHA256, HashProvenance.class, owner));
        info.instanceValues.put(BASE_MODEL_SIZE, ObjectProvenance.checkAndExtractProvenance(info.configuredParameters,
                BASE_MODEL_SIZE, LongProvenance.class, owner));
        info.instanceValues.put(TOKENIZER_SHA256, ObjectProvenance.checkAndExtractProvenance(info.configuredParameters,
                TOKENIZER_SHA256, HashProvenance.class, owner));
        info.instanceValues.put(TOKENIZER_SIZE, ObjectProvenance.checkAndExtractProvenance(info.configuredParameters,
                TOKENIZER_SIZE, LongProvenance.class, owner));
        // Optional: absent when training started from scratch, and in provenance written before it existed.
        ObjectProvenance.maybeExtractProvenance(info.configuredParameters, INITIAL_ADAPTER_SHA256, HashProvenance.class, owner)
                .ifPresent(h -> info.instanceValues.put(INITIAL_ADAPTER_SHA256, h));
        ObjectProvenance.maybeExtractProvenance(info.configuredParameters, ENCODER_ARTIFACT, StringProvenance.class, owner)
                .ifPresent(a -> info.instanceValues.put(ENCODER_ARTIFACT, a));
        return info;
    }

    /**
     * The base encoder file's SHA-256.
     * @return 64 lower-case hex digits.
     */
    public String getBaseModelSha256() {
        return baseModelSha256.getValue();
    }

    /**
     * The base encoder file's size.
     * @return bytes.
     */
    public long getBaseModelSize() {
        return baseModelSize.getValue();
    }

    /**
     * The tokenizer file's SHA-256.
     * @return 64 lower-case hex digits.
     */
    public String getTokenizerSha256() {
        return tokenizerSha256.getValue();
    }

    /**
     * The tokenizer file's size.
     * @return bytes.
     */
    public long getTokenizerSize() {
        return tokenizerSize.getValue();
    }

    /**
     * The SHA-256 of the initial adapter's {@code adapter_model.safetensors}.
     * @return 64 lower-case hex digits, or empty when training started from scratch.
     */
    public Optional<String> getInitialAdapterSha256() {
        return Optional.ofNullable(initialAdapterSha256).map(HashProvenance::getValue);
    }

    /**
     * The Maven coordinates of the named encoder's artifact.
     * @return {@code groupId:artifactId:version}, or empty when the base model was given by path.
     */
    public Optional<String> getEncoderArtifact() {
        return Optional.ofNullable(encoderArtifact).map(StringProvenance::getValue);
    }

    @Override
    public Map<String, PrimitiveProvenance<?>> getInstanceValues() {
        Map<String, PrimitiveProvenance<?>> map = super.getInstanceValues();
        map.put(BASE_MODEL_SHA256, baseModelSha256);
        map.put(BASE_MODEL_SIZE, baseModelSize);
        map.put(TOKENIZER_SHA256, tokenizerSha256);
        map.put(TOKENIZER_SIZE, tokenizerSize);
        if (initialAdapterSha256 != null) {
            map.put(INITIAL_ADAPTER_SHA256, initialAdapterSha256);
        }
        if (encoderArtifact != null) {
            map.put(ENCODER_ARTIFACT, encoderArtifact);
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || getClass() != o.getClass() || !super.equals(o)) {
            return false;
        }
        LoraDropTrainerProvenance that = (LoraDropTrainerProvenance) o;
        return baseModelSha256.equals(that.baseModelSha256) && baseModelSize.equals(that.baseModelSize)
                && tokenizerSha256.equals(that.tokenizerSha256) && tokenizerSize.equals(that.tokenizerSize)
                && Objects.equals(initialAdapterSha256, that.initialAdapterSha256)
                && Objects.equals(encoderArtifact, that.encoderArtifact);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), baseModelSha256, baseModelSize, tokenizerSha256, tokenizerSize, initialAdapterSha256, encoderArtifact);
    }
}
