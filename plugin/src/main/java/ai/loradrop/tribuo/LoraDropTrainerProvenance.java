package ai.loradrop.tribuo;

import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import org.tribuo.provenance.SkeletalTrainerProvenance;

import java.util.Map;
import java.util.Objects;

/**
 * Provenance of a {@link LoraDropTrainer}: every configured hyperparameter (recorded by Tribuo from the
 * {@code @Config} fields) plus the SHA-256 (lower-case hex) and size in bytes of the base encoder file and of the
 * tokenizer file, as instance values. The hashes are of the exact bytes the training run used.
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

    /** The base encoder file's SHA-256. */
    private final HashProvenance baseModelSha256;
    /** The base encoder file's size in bytes. */
    private final LongProvenance baseModelSize;
    /** The tokenizer file's SHA-256. */
    private final HashProvenance tokenizerSha256;
    /** The tokenizer file's size in bytes. */
    private final LongProvenance tokenizerSize;

    /**
     * Records a trainer with the fingerprints of its files.
     * @param host the trainer.
     * @param base the base encoder file.
     * @param tokenizerSha the tokenizer file's SHA-256.
     * @param tokenizerBytes the tokenizer file's size.
     */
    LoraDropTrainerProvenance(LoraDropTrainer host, BaseModelFile base, String tokenizerSha, long tokenizerBytes) {
        super(host);
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

    @Override
    public Map<String, PrimitiveProvenance<?>> getInstanceValues() {
        Map<String, PrimitiveProvenance<?>> map = super.getInstanceValues();
        map.put(BASE_MODEL_SHA256, baseModelSha256);
        map.put(BASE_MODEL_SIZE, baseModelSize);
        map.put(TOKENIZER_SHA256, tokenizerSha256);
        map.put(TOKENIZER_SIZE, tokenizerSize);
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
                && tokenizerSha256.equals(that.tokenizerSha256) && tokenizerSize.equals(that.tokenizerSize);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), baseModelSha256, baseModelSize, tokenizerSha256, tokenizerSize);
    }
}
