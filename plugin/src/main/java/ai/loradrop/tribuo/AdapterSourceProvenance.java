/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.PeftAdapter;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.BooleanProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DateTimeProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import com.oracle.labs.mlrg.olcut.util.Pair;
import org.tribuo.provenance.DataSourceProvenance;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The data provenance of a {@link LoraDropModel} read from a PEFT adapter folder
 * ({@link LoraDropModel#fromAdapter}): the model was not trained on a Tribuo dataset, so its "data" is the adapter
 * itself, named by its folder ({@link #ADAPTER_PATH}) and fingerprinted by the SHA-256 of
 * {@code adapter_model.safetensors} ({@link #RESOURCE_HASH}, lower-case hex as {@code sha256sum} prints it), with
 * the file's modification time, the import time, the adapter's {@code base_model_name_or_path} and whether a
 * LoRA-Drop sidecar was present (an adapter written by LoRA-Drop rather than by PEFT).
 */
public final class AdapterSourceProvenance implements DataSourceProvenance {
    private static final long serialVersionUID = 1L;

    /** Key of the adapter folder's absolute path. */
    public static final String ADAPTER_PATH = "adapter-path";
    /** Key of the adapter's {@code base_model_name_or_path} (empty when it records none). */
    public static final String BASE_MODEL_NAME = "base-model-name-or-path";
    /** Key of whether the folder held LoRA-Drop's sidecar {@code loradrop_config.json}. */
    public static final String LORADROP_SIDECAR = "loradrop-sidecar";

    /** The adapter folder. */
    private final StringProvenance adapterPath;
    /** SHA-256 of {@code adapter_model.safetensors}. */
    private final HashProvenance sha256;
    /** The weights file's modification time. */
    private final DateTimeProvenance fileModifiedTime;
    /** When the adapter was read. */
    private final DateTimeProvenance creationTime;
    /** The adapter's {@code base_model_name_or_path}. */
    private final StringProvenance baseModelName;
    /** Whether LoRA-Drop's sidecar was present. */
    private final BooleanProvenance sidecar;

    /**
     * Records an adapter as it was read.
     * @param adapterDir the folder (recorded as an absolute path).
     * @param weightsSha256 the SHA-256 of its {@code adapter_model.safetensors}.
     * @param weightsModified the weights file's modification time.
     * @param baseModelName the adapter's {@code base_model_name_or_path}, or null.
     * @param hasSidecar whether the folder held LoRA-Drop's sidecar.
     */
    AdapterSourceProvenance(String adapterDir, String weightsSha256, OffsetDateTime weightsModified, String baseModelName,
                            boolean hasSidecar) {
        this.adapterPath = new StringProvenance(ADAPTER_PATH, adapterDir);
        this.sha256 = new HashProvenance(ProvenanceUtil.HashType.SHA256, RESOURCE_HASH, weightsSha256);
        this.fileModifiedTime = new DateTimeProvenance(FILE_MODIFIED_TIME, weightsModified);
        this.creationTime = new DateTimeProvenance(DATASOURCE_CREATION_TIME, OffsetDateTime.now());
        this.baseModelName = new StringProvenance(BASE_MODEL_NAME, baseModelName == null ? "" : baseModelName);
        this.sidecar = new BooleanProvenance(LORADROP_SIDECAR, hasSidecar);
    }

    /**
     * Deserialization constructor, used by OLCUT and Tribuo's protobuf serialization.
     * @param provenances the provenances.
     */
    public AdapterSourceProvenance(Map<String, Provenance> provenances) {
        Map<String, Provenance> map = new HashMap<>(provenances);
        String owner = AdapterSourceProvenance.class.getSimpleName();
        this.adapterPath = ObjectProvenance.checkAndExtractProvenance(map, ADAPTER_PATH, StringProvenance.class, owner);
        this.sha256 = ObjectProvenance.checkAndExtractProvenance(map, RESOURCE_HASH, HashProvenance.class, owner);
        this.fileModifiedTime = ObjectProvenance.checkAndExtractProvenance(map, FILE_MODIFIED_TIME, DateTimeProvenance.class, owner);
        this.creationTime = ObjectProvenance.checkAndExtractProvenance(map, DATASOURCE_CREATION_TIME, DateTimeProvenance.class, owner);
        this.baseModelName = ObjectProvenance.checkAndExtractProvenance(map, BASE_MODEL_NAME, StringProvenance.class, owner);
        this.sidecar = ObjectProvenance.checkAndExtractProvenance(map, LORADROP_SIDECAR, BooleanProvenance.class, owner);
    }

    /**
     * The adapter folder.
     * @return its absolute path as recorded.
     */
    public String getAdapterPath() {
        return adapterPath.getValue();
    }

    /**
     * The SHA-256 of the adapter's {@code adapter_model.safetensors}.
     * @return 64 lower-case hex digits.
     */
    public String getSha256() {
        return sha256.getValue();
    }

    /**
     * The adapter's {@code base_model_name_or_path}.
     * @return the name, empty when none was recorded.
     */
    public String getBaseModelName() {
        return baseModelName.getValue();
    }

    /**
     * Whether the folder held LoRA-Drop's sidecar.
     * @return true for adapters written by LoRA-Drop.
     */
    public boolean hasLoraDropSidecar() {
        return sidecar.getValue();
    }

    /**
     * The class that reads adapter folders.
     * @return {@link PeftAdapter}'s name.
     */
    @Override
    public String getClassName() {
        return PeftAdapter.class.getName();
    }

    @Override
    public Iterator<Pair<String, Provenance>> iterator() {
        List<Pair<String, Provenance>> l = new ArrayList<>();
        l.add(new Pair<>(ADAPTER_PATH, adapterPath));
        l.add(new Pair<>(RESOURCE_HASH, sha256));
        l.add(new Pair<>(FILE_MODIFIED_TIME, fileModifiedTime));
        l.add(new Pair<>(DATASOURCE_CREATION_TIME, creationTime));
        l.add(new Pair<>(BASE_MODEL_NAME, baseModelName));
        l.add(new Pair<>(LORADROP_SIDECAR, sidecar));
        return l.iterator();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AdapterSourceProvenance that)) {
            return false;
        }
        return adapterPath.equals(that.adapterPath) && sha256.equals(that.sha256)
                && fileModifiedTime.equals(that.fileModifiedTime) && creationTime.equals(that.creationTime)
                && baseModelName.equals(that.baseModelName) && sidecar.equals(that.sidecar);
    }

    @Override
    public int hashCode() {
        return Objects.hash(adapterPath, sha256, fileModifiedTime, creationTime, baseModelName, sidecar);
    }

    @Override
    public String toString() {
        return generateString("PeftAdapter");
    }
}
