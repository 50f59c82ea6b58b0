package ai.loradrop.tribuo;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.text.LongText;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import org.tribuo.protos.core.ModelDataProto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The protobuf payload of a {@link LoraDropModel}, packed into the {@code serialized_data} {@link Any} of Tribuo's
 * {@code ModelProto}. The message is written and read field by field with {@link CodedOutputStream} and
 * {@link CodedInputStream} (no generated class is needed); its schema, in {@code .proto} terms, is
 * <pre>
 * message LoraDropModelProto {             // type URL: {@value #TYPE_URL}
 *   tribuo.core.ModelDataProto metadata = 1;  // name, provenance, feature and label domains
 *   bytes  tokenizer_json = 2;               // canonical tokenizer.json
 *   string tokenizer_sha256 = 3;             // SHA-256 of the file the tokenizer was loaded from
 *   bytes  base_model = 4;                   // the ONNX encoder, present only when embedded
 *   string base_model_path = 5;
 *   string base_model_sha256 = 6;
 *   int64  base_model_size = 7;
 *   int32  rank = 8;   double alpha = 9;   bool rs_lora = 10;
 *   repeated string target_modules = 11;   string target_regex = 12;
 *   string dropout_mode = 13;   double dropout = 14;   bool sparse_scaled = 15;
 *   string pooling = 16;   int32 num_classes = 17;   double head_dropout = 18;
 *   bytes  params = 19;                      // float32 little-endian, ParameterLayout order
 *   int32  max_length = 20;   string text_key = 21;   string pair_key = 22;
 *   int32  ensemble_size = 23;   int64 ensemble_seed = 24;   double temperature = 25;
 *   bool   embed_base_model = 26;   int32 threads = 27;   int32 batch_size = 28;
 *   string long_text = 29;          // TRUNCATE (default, also when absent), HEAD_TAIL or WINDOWS
 *   int32  window_stride = 30;
 * }
 * </pre>
 * Unknown fields are skipped, so later versions can add fields compatibly.
 */
final class ModelCodec {
    /** The type URL of the payload inside the {@link Any}. */
    static final String TYPE_URL = "type.googleapis.com/ai.loradrop.tribuo.LoraDropModelProto";

    private static final int METADATA = 1;
    private static final int TOKENIZER_JSON = 2;
    private static final int TOKENIZER_SHA = 3;
    private static final int BASE_MODEL = 4;
    private static final int BASE_PATH = 5;
    private static final int BASE_SHA = 6;
    private static final int BASE_SIZE = 7;
    private static final int RANK = 8;
    private static final int ALPHA = 9;
    private static final int RS_LORA = 10;
    private static final int TARGET_MODULES = 11;
    private static final int TARGET_REGEX = 12;
    private static final int DROPOUT_MODE = 13;
    private static final int DROPOUT = 14;
    private static final int SPARSE_SCALED = 15;
    private static final int POOLING = 16;
    private static final int NUM_CLASSES = 17;
    private static final int HEAD_DROPOUT = 18;
    private static final int PARAMS = 19;
    private static final int MAX_LENGTH = 20;
    private static final int TEXT_KEY = 21;
    private static final int PAIR_KEY = 22;
    private static final int ENSEMBLE_SIZE = 23;
    private static final int ENSEMBLE_SEED = 24;
    private static final int TEMPERATURE = 25;
    private static final int EMBED = 26;
    private static final int THREADS = 27;
    private static final int BATCH_SIZE = 28;
    private static final int LONG_TEXT = 29;
    private static final int WINDOW_STRIDE = 30;

    /**
     * Everything a model file holds besides the Tribuo metadata.
     * @param metadata Tribuo's model metadata.
     * @param tokenizerJson the canonical tokenizer.json.
     * @param tokenizerSha256 the tokenizer's source hash.
     * @param baseModel the embedded ONNX encoder, or null when referenced.
     * @param baseFile the base encoder file record.
     * @param spec the classifier.
     * @param params the flat parameters.
     * @param settings the prediction settings.
     */
    record Payload(ModelDataProto metadata, byte[] tokenizerJson, String tokenizerSha256, ByteString baseModel,
                   BaseModelFile baseFile, ClassifierSpec spec, float[] params, ModelSettings settings) {}

    private ModelCodec() {}

    static Any encode(Payload p) {
        ByteString.Output bytes = ByteString.newOutput(1 << 16);
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(bytes, 1 << 16);
            out.writeMessage(METADATA, p.metadata());
            out.writeByteArray(TOKENIZER_JSON, p.tokenizerJson());
            out.writeString(TOKENIZER_SHA, p.tokenizerSha256());
            if (p.baseModel() != null) {
                out.writeBytes(BASE_MODEL, p.baseModel());
            }
            out.writeString(BASE_PATH, p.baseFile().path());
            out.writeString(BASE_SHA, p.baseFile().sha256());
            out.writeInt64(BASE_SIZE, p.baseFile().size());
            LoraConfig l = p.spec().lora();
            out.writeInt32(RANK, l.rank());
            out.writeDouble(ALPHA, l.alpha());
            out.writeBool(RS_LORA, l.rsLora());
            for (String t : l.targetModules()) {
                out.writeString(TARGET_MODULES, t);
            }
            if (l.targetRegex() != null) {
                out.writeString(TARGET_REGEX, l.targetRegex());
            }
            out.writeString(DROPOUT_MODE, l.dropoutMode().name());
            out.writeDouble(DROPOUT, l.dropout());
            out.writeBool(SPARSE_SCALED, l.sparseScaled());
            out.writeString(POOLING, p.spec().pooling().name());
            out.writeInt32(NUM_CLASSES, p.spec().numClasses());
            out.writeDouble(HEAD_DROPOUT, p.spec().headDropout());
            ByteBuffer buf = ByteBuffer.allocate(p.params().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(p.params());
            out.writeByteArray(PARAMS, buf.array());
            ModelSettings s = p.settings();
            out.writeInt32(MAX_LENGTH, s.maxLength());
            out.writeString(TEXT_KEY, s.textKey());
            if (s.pairKey() != null) {
                out.writeString(PAIR_KEY, s.pairKey());
            }
            out.writeInt32(ENSEMBLE_SIZE, s.ensembleSize());
            out.writeInt64(ENSEMBLE_SEED, s.ensembleSeed());
            out.writeDouble(TEMPERATURE, s.temperature());
            out.writeBool(EMBED, s.embedBaseModel());
            out.writeInt32(THREADS, s.threads());
            out.writeInt32(BATCH_SIZE, s.batchSize());
            out.writeString(LONG_TEXT, s.longText().name());
            out.writeInt32(WINDOW_STRIDE, s.windowStride());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Writing to memory failed", e);
        }
        return Any.newBuilder().setTypeUrl(TYPE_URL).setValue(bytes.toByteString()).build();
    }

    static Payload decode(Any any) throws IOException {
        if (!TYPE_URL.equals(any.getTypeUrl())) {
            throw new IOException("Not a LoRA-Drop model payload: type URL is '" + any.getTypeUrl() + "', expected '" + TYPE_URL + "'");
        }
        CodedInputStream in = any.getValue().newCodedInput();
        in.setSizeLimit(Integer.MAX_VALUE);
        ModelDataProto metadata = null;
        byte[] tokenizerJson = null;
        String tokenizerSha = null;
        ByteString baseModel = null;
        String basePath = null;
        String baseSha = null;
        long baseSize = -1;
        Integer rank = null;
        Double alpha = null;
        boolean rsLora = false;
        List<String> targets = new ArrayList<>();
        String regex = null;
        String dropoutMode = null;
        double dropout = 0;
        boolean sparseScaled = true;
        String pooling = null;
        Integer numClasses = null;
        double headDropout = 0;
        byte[] params = null;
        Integer maxLength = null;
        String textKey = null;
        String pairKey = null;
        int ensembleSize = 1;
        long ensembleSeed = 0;
        double temperature = 1.0;
        boolean embed = true;
        int threads = 0;
        int batchSize = 32;
        String longText = LongText.TRUNCATE.name();
        int windowStride = 64;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case METADATA -> metadata = ModelDataProto.parseFrom(in.readBytes());
                case TOKENIZER_JSON -> tokenizerJson = in.readByteArray();
                case TOKENIZER_SHA -> tokenizerSha = in.readString();
                case BASE_MODEL -> baseModel = in.readBytes();
                case BASE_PATH -> basePath = in.readString();
                case BASE_SHA -> baseSha = in.readString();
                case BASE_SIZE -> baseSize = in.readInt64();
                case RANK -> rank = in.readInt32();
                case ALPHA -> alpha = in.readDouble();
                case RS_LORA -> rsLora = in.readBool();
                case TARGET_MODULES -> targets.add(in.readString());
                case TARGET_REGEX -> regex = in.readString();
                case DROPOUT_MODE -> dropoutMode = in.readString();
                case DROPOUT -> dropout = in.readDouble();
                case SPARSE_SCALED -> sparseScaled = in.readBool();
                case POOLING -> pooling = in.readString();
                case NUM_CLASSES -> numClasses = in.readInt32();
                case HEAD_DROPOUT -> headDropout = in.readDouble();
                case PARAMS -> params = in.readByteArray();
                case MAX_LENGTH -> maxLength = in.readInt32();
                case TEXT_KEY -> textKey = in.readString();
                case PAIR_KEY -> pairKey = in.readString();
                case ENSEMBLE_SIZE -> ensembleSize = in.readInt32();
                case ENSEMBLE_SEED -> ensembleSeed = in.readInt64();
                case TEMPERATURE -> temperature = in.readDouble();
                case EMBED -> embed = in.readBool();
                case THREADS -> threads = in.readInt32();
                case BATCH_SIZE -> batchSize = in.readInt32();
                case LONG_TEXT -> longText = in.readString();
                case WINDOW_STRIDE -> windowStride = in.readInt32();
                default -> in.skipField(tag);
            }
        }
        require(metadata, "metadata");
        require(tokenizerJson, "tokenizer_json");
        require(tokenizerSha, "tokenizer_sha256");
        require(basePath, "base_model_path");
        require(baseSha, "base_model_sha256");
        require(rank, "rank");
        require(alpha, "alpha");
        require(dropoutMode, "dropout_mode");
        require(pooling, "pooling");
        require(numClasses, "num_classes");
        require(params, "params");
        require(maxLength, "max_length");
        require(textKey, "text_key");
        if (params.length % Float.BYTES != 0) {
            throw new IOException("Corrupt LoRA-Drop model: params hold " + params.length + " bytes, not a multiple of 4");
        }
        if (embed && baseModel == null) {
            throw new IOException("Corrupt LoRA-Drop model: it says the base model is embedded, but it holds none");
        }
        float[] flat = new float[params.length / Float.BYTES];
        ByteBuffer.wrap(params).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(flat);
        try {
            LoraConfig lora = new LoraConfig(rank, alpha, rsLora, targets, regex, DropoutMode.valueOf(dropoutMode),
                    dropout, sparseScaled);
            ClassifierSpec spec = new ClassifierSpec(lora, Pooling.valueOf(pooling), numClasses, headDropout);
            ModelSettings settings = new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed,
                    temperature, embed, threads, batchSize, LongText.valueOf(longText), windowStride);
            return new Payload(metadata, tokenizerJson, tokenizerSha, baseModel,
                    new BaseModelFile(basePath, baseSha, baseSize), spec, flat, settings);
        } catch (IllegalArgumentException e) {
            throw new IOException("Corrupt LoRA-Drop model: " + e.getMessage(), e);
        }
    }

    private static void require(Object value, String field) throws IOException {
        if (value == null) {
            throw new IOException("Corrupt LoRA-Drop model: field '" + field + "' is missing");
        }
    }
}
