/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.SkeletalConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DateTimeProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.tribuo.provenance.ConfiguredDataSourceProvenance;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Provenance of a {@link TextDataSource} or one of its siblings ({@link AbstractTextDataSource}): its configuration plus the file's SHA-256 hash
 * ({@link #RESOURCE_HASH}), size in bytes ({@link #FILE_SIZE}) and modification time
 * ({@link #FILE_MODIFIED_TIME}), and when the source was created ({@link #DATASOURCE_CREATION_TIME}).
 * The hash is of the exact bytes that were parsed.
 */
public final class TextDataSourceProvenance extends SkeletalConfiguredObjectProvenance implements ConfiguredDataSourceProvenance {
    private static final long serialVersionUID = 1L;

    /**
     * The name of the provenance field for the file size in bytes.
     */
    public static final String FILE_SIZE = "file-size";

    private final DateTimeProvenance fileModifiedTime;
    private final DateTimeProvenance dataSourceCreationTime;
    private final HashProvenance sha256Hash;
    private final LongProvenance fileSize;

    /**
     * Records a freshly loaded source.
     * @param host The source.
     * @param sha256Hex The hex SHA-256 of the file's bytes.
     * @param size The file size in bytes.
     * @param modified The file's modification time.
     */
    TextDataSourceProvenance(AbstractTextDataSource<?> host, String sha256Hex, long size, OffsetDateTime modified) {
        super(host, "DataSource");
        this.fileModifiedTime = new DateTimeProvenance(FILE_MODIFIED_TIME, modified);
        this.dataSourceCreationTime = new DateTimeProvenance(DATASOURCE_CREATION_TIME, OffsetDateTime.now());
        this.sha256Hash = new HashProvenance(DEFAULT_HASH_TYPE, RESOURCE_HASH, sha256Hex);
        this.fileSize = new LongProvenance(FILE_SIZE, size);
    }

    /**
     * Deserialization constructor, used by OLCUT and Tribuo's protobuf serialization.
     * @param map The provenances.
     */
    public TextDataSourceProvenance(Map<String, Provenance> map) {
        this(extractProvenanceInfo(map));
    }

    private TextDataSourceProvenance(ExtractedInfo info) {
        super(info);
        this.fileModifiedTime = (DateTimeProvenance) info.instanceValues.get(FILE_MODIFIED_TIME);
        this.dataSourceCreationTime = (DateTimeProvenance) info.instanceValues.get(DATASOURCE_CREATION_TIME);
        this.sha256Hash = (HashProvenance) info.instanceValues.get(RESOURCE_HASH);
        this.fileSize = (LongProvenance) info.instanceValues.get(FILE_SIZE);
    }

    /**
     * Splits a provenance map into the configured parameters and this class's instance values.
     * @param map The provenances.
     * @return The extracted information.
     */
    private static ExtractedInfo extractProvenanceInfo(Map<String, Provenance> map) {
        String owner = TextDataSourceProvenance.class.getSimpleName();
        Map<String, Provenance> configured = new HashMap<>(map);
        String className = ObjectProvenance.checkAndExtractProvenance(configured, CLASS_NAME, StringProvenance.class, owner).getValue();
        String hostShortName = ObjectProvenance.checkAndExtractProvenance(configured, HOST_SHORT_NAME, StringProvenance.class, owner).getValue();
        Map<String, PrimitiveProvenance<?>> instance = new HashMap<>();
        instance.put(FILE_MODIFIED_TIME, ObjectProvenance.checkAndExtractProvenance(configured, FILE_MODIFIED_TIME, DateTimeProvenance.class, owner));
        instance.put(DATASOURCE_CREATION_TIME, ObjectProvenance.checkAndExtractProvenance(configured, DATASOURCE_CREATION_TIME, DateTimeProvenance.class, owner));
        instance.put(RESOURCE_HASH, ObjectProvenance.checkAndExtractProvenance(configured, RESOURCE_HASH, HashProvenance.class, owner));
        instance.put(FILE_SIZE, ObjectProvenance.checkAndExtractProvenance(configured, FILE_SIZE, LongProvenance.class, owner));
        return new ExtractedInfo(className, hostShortName, configured, instance);
    }

    /**
     * The SHA-256 hash of the file's bytes, as lower-case hex like every hash LoRA-Drop records
     * ({@link ai.loradrop.io.Sha256}, as {@code sha256sum} prints it). Earlier versions recorded upper case here, and
     * Tribuo's {@code CSVDataSource} records upper case: compare ignoring case ({@link ai.loradrop.io.Sha256#same}).
     * @return The hash.
     */
    public String getSha256() {
        return sha256Hash.getValue();
    }

    /**
     * The file size in bytes.
     * @return The size.
     */
    public long getFileSize() {
        return fileSize.getValue();
    }

    /**
     * The file's modification time, to the millisecond.
     * @return The modification time.
     */
    public OffsetDateTime getFileModifiedTime() {
        return fileModifiedTime.getValue();
    }

    /**
     * When the source was created.
     * @return The creation time.
     */
    public OffsetDateTime getDataSourceCreationTime() {
        return dataSourceCreationTime.getValue();
    }

    @Override
    public Map<String, PrimitiveProvenance<?>> getInstanceValues() {
        Map<String, PrimitiveProvenance<?>> map = super.getInstanceValues();
        map.put(FILE_MODIFIED_TIME, fileModifiedTime);
        map.put(DATASOURCE_CREATION_TIME, dataSourceCreationTime);
        map.put(RESOURCE_HASH, sha256Hash);
        map.put(FILE_SIZE, fileSize);
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
        TextDataSourceProvenance that = (TextDataSourceProvenance) o;
        return fileModifiedTime.equals(that.fileModifiedTime)
                && dataSourceCreationTime.equals(that.dataSourceCreationTime)
                && sha256Hash.equals(that.sha256Hash)
                && fileSize.equals(that.fileSize);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), fileModifiedTime, dataSourceCreationTime, sha256Hash, fileSize);
    }
}
