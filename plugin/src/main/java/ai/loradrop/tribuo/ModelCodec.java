/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.head.HeadLoss;
import ai.loradrop.head.Pooling;
import ai.loradrop.io.Sha256;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;
import ai.loradrop.tribuo.DamagedModelException.Part;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import org.tribuo.protos.core.ModelDataProto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The protobuf payload of a {@link LoraDropModel}, packed into the {@code serialized_data} {@link Any} of Tribuo's
 * {@code ModelProto}. Its schema is {@value #SCHEMA_RESOURCE} (a resource of this jar, message
 * {@code LoraDropModelProto}); {@link Field} and {@link Part} mirror it, and a test checks them against it. The
 * message is written and read field by field with {@link CodedOutputStream} and {@link CodedInputStream}, so no
 * generated class is needed.
 * <p>
 * <b>Integrity</b> (format version 1 on): every field belongs to one {@link Part}, and the {@code integrity} field
 * records the SHA-256 of each part's encoded fields (tag, length and value, in file order). Reading hashes each field
 * as it is read and refuses a file whose parts do not match with a {@link DamagedModelException} naming them. Format
 * version 0 had no such record; of its files, the embedded base encoder is checked against the recorded
 * {@code base_model_sha256} when its size is the recorded one.
 * <p>
 * Saved models of every released format version are test resources that must keep loading.
 */
final class ModelCodec {
    /** The type URL of the payload inside the {@link Any}. */
    static final String TYPE_URL = "type.googleapis.com/ai.loradrop.tribuo.LoraDropModelProto";
    /** The classpath resource holding the schema. */
    static final String SCHEMA_RESOURCE = "/ai/loradrop/tribuo/loradrop-model.proto";
    /** The first format version with an {@code integrity} record. */
    static final int INTEGRITY_VERSION = 1;

    /** The fields of {@code LoraDropModelProto}: number, name and type as in the schema, and the part each belongs to. */
    enum Field {
        METADATA(1, "metadata", "tribuo.core.ModelDataProto", Part.METADATA),
        TOKENIZER_JSON(2, "tokenizer_json", "bytes", Part.TOKENIZER),
        TOKENIZER_SHA(3, "tokenizer_sha256", "string", Part.TOKENIZER),
        BASE_MODEL(4, "base_model", "bytes", Part.BASE_MODEL),
        BASE_PATH(5, "base_model_path", "string", Part.SETTINGS),
        BASE_SHA(6, "base_model_sha256", "string", Part.SETTINGS),
        BASE_SIZE(7, "base_model_size", "int64", Part.SETTINGS),
        RANK(8, "rank", "int32", Part.SETTINGS),
        ALPHA(9, "alpha", "double", Part.SETTINGS),
        RS_LORA(10, "rs_lora", "bool", Part.SETTINGS),
        TARGET_MODULES(11, "target_modules", "repeated string", Part.SETTINGS),
        TARGET_REGEX(12, "target_regex", "string", Part.SETTINGS),
        DROPOUT_MODE(13, "dropout_mode", "string", Part.SETTINGS),
        DROPOUT(14, "dropout", "double", Part.SETTINGS),
        SPARSE_SCALED(15, "sparse_scaled", "bool", Part.SETTINGS),
        POOLING(16, "pooling", "string", Part.SETTINGS),
        NUM_CLASSES(17, "num_classes", "int32", Part.SETTINGS),
        HEAD_DROPOUT(18, "head_dropout", "double", Part.SETTINGS),
        PARAMS(19, "params", "bytes", Part.PARAMETERS),
        MAX_LENGTH(20, "max_length", "int32", Part.SETTINGS),
        TEXT_KEY(21, "text_key", "string", Part.SETTINGS),
        PAIR_KEY(22, "pair_key", "string", Part.SETTINGS),
        ENSEMBLE_SIZE(23, "ensemble_size", "int32", Part.SETTINGS),
        ENSEMBLE_SEED(24, "ensemble_seed", "int64", Part.SETTINGS),
        TEMPERATURE(25, "temperature", "double", Part.SETTINGS),
        EMBED(26, "embed_base_model", "bool", Part.SETTINGS),
        THREADS(27, "threads", "int32", Part.SETTINGS),
        BATCH_SIZE(28, "batch_size", "int32", Part.SETTINGS),
        /** The parts' hashes; part of none. */
        INTEGRITY(29, "integrity", "Integrity", null),
        LONG_TEXT(30, "long_text", "string", Part.SETTINGS),
        WINDOW_STRIDE(31, "window_stride", "int32", Part.SETTINGS),
        HEAD_LOSS(32, "head_loss", "string", Part.SETTINGS),
        THRESHOLD(33, "threshold", "double", Part.SETTINGS),
        TARGET_MEAN(34, "target_mean", "repeated double", Part.SETTINGS),
        TARGET_STD(35, "target_std", "repeated double", Part.SETTINGS),
        LABEL_TEMPERATURE(36, "label_temperature", "repeated double", Part.SETTINGS),
        VARIANCE_SCALE(37, "variance_scale", "repeated double", Part.SETTINGS),
        QUANTIZED_MERGE(38, "quantized_merge", "string", Part.SETTINGS);

        final int number;
        final String protoName;
        final String protoType;
        final Part part;

        Field(int number, String protoName, String protoType, Part part) {
            this.number = number;
            this.protoName = protoName;
            this.protoType = protoType;
            this.part = part;
        }

        private static final Field[] BY_NUMBER = new Field[64];

        static {
            for (Field f : values()) {
                BY_NUMBER[f.number] = f;
            }
        }

        static Field of(int number) {
            return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
        }
    }

    /** The parts hashed in the {@code Integrity} message, in its field order (field number = index + 1). */
    static final List<Part> HASHED_PARTS = List.of(Part.METADATA, Part.TOKENIZER, Part.BASE_MODEL, Part.PARAMETERS, Part.SETTINGS);

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
     * @param outputs what a model of another output type than {@code Label} adds (null for classifiers).
     */
    record Payload(ModelDataProto metadata, byte[] tokenizerJson, String tokenizerSha256, ByteString baseModel,
                   BaseModelFile baseFile, ClassifierSpec spec, float[] params, ModelSettings settings,
                   OutputSettings outputs) {
        /**
         * A classifier's payload.
         * @param metadata Tribuo's model metadata.
         * @param tokenizerJson the canonical tokenizer.json.
         * @param tokenizerSha256 the tokenizer's source hash.
         * @param baseModel the embedded ONNX encoder, or null when referenced.
         * @param baseFile the base encoder file record.
         * @param spec the classifier.
         * @param params the flat parameters.
         * @param settings the prediction settings.
         */
        Payload(ModelDataProto metadata, byte[] tokenizerJson, String tokenizerSha256, ByteString baseModel,
                BaseModelFile baseFile, ClassifierSpec spec, float[] params, ModelSettings settings) {
            this(metadata, tokenizerJson, tokenizerSha256, baseModel, baseFile, spec, params, settings, null);
        }
    }

    /**
     * The settings of multi-label and regression models (written only for them, so classifier files are unchanged).
     * @param threshold the multi-label decision threshold on each label's probability.
     * @param targetMean per regression output (id order), the training mean the head's outputs are relative to.
     * @param targetStd per regression output, the training standard deviation they are in units of.
     * @param labelTemperature multi-label: the temperatures fitted on held-out data, one shared or one per label in
     *                         id order; empty when uncalibrated.
     * @param varianceScale regression, per dimension in natural order: the fitted variance calibration
     *                      ({@link LoraDropRegressionModel#getVarianceCalibration()}); empty when uncalibrated.
     */
    record OutputSettings(double threshold, double[] targetMean, double[] targetStd, double[] labelTemperature,
                          double[] varianceScale) {
        /**
         * Uncalibrated settings.
         * @param threshold the multi-label decision threshold.
         * @param targetMean the regression training means.
         * @param targetStd the regression training deviations.
         */
        OutputSettings(double threshold, double[] targetMean, double[] targetStd) {
            this(threshold, targetMean, targetStd, new double[0], new double[0]);
        }
    }

    private ModelCodec() {}

    /** Writes the fields of one part to their own buffer and hashes them. */
    private static final class PartWriter {
        final ByteString.Output bytes;
        final CodedOutputStream out;

        PartWriter(int size) {
            bytes = ByteString.newOutput(size);
            out = CodedOutputStream.newInstance(bytes, Math.min(size, 1 << 16));
        }

        ByteString finish() throws IOException {
            out.flush();
            return bytes.toByteString();
        }
    }

    static Any encode(Payload p) {
        try {
            Map<Part, PartWriter> w = new EnumMap<>(Part.class);
            for (Part part : HASHED_PARTS) {
                w.put(part, new PartWriter(part == Part.BASE_MODEL ? 1 << 16 : 1 << 12));
            }
            w.get(Part.METADATA).out.writeMessage(Field.METADATA.number, p.metadata());
            CodedOutputStream tok = w.get(Part.TOKENIZER).out;
            tok.writeByteArray(Field.TOKENIZER_JSON.number, p.tokenizerJson());
            tok.writeString(Field.TOKENIZER_SHA.number, p.tokenizerSha256());
            if (p.baseModel() != null) {
                w.get(Part.BASE_MODEL).out.writeBytes(Field.BASE_MODEL.number, p.baseModel());
            }
            ByteBuffer buf = ByteBuffer.allocate(p.params().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(p.params());
            w.get(Part.PARAMETERS).out.writeByteArray(Field.PARAMS.number, buf.array());
            CodedOutputStream out = w.get(Part.SETTINGS).out;
            out.writeString(Field.BASE_PATH.number, p.baseFile().path());
            out.writeString(Field.BASE_SHA.number, p.baseFile().sha256());
            out.writeInt64(Field.BASE_SIZE.number, p.baseFile().size());
            LoraConfig l = p.spec().lora();
            out.writeInt32(Field.RANK.number, l.rank());
            out.writeDouble(Field.ALPHA.number, l.alpha());
            out.writeBool(Field.RS_LORA.number, l.rsLora());
            for (String t : l.targetModules()) {
                out.writeString(Field.TARGET_MODULES.number, t);
            }
            if (l.targetRegex() != null) {
                out.writeString(Field.TARGET_REGEX.number, l.targetRegex());
            }
            out.writeString(Field.DROPOUT_MODE.number, l.dropoutMode().name());
            out.writeDouble(Field.DROPOUT.number, l.dropout());
            out.writeBool(Field.SPARSE_SCALED.number, l.sparseScaled());
            out.writeString(Field.POOLING.number, p.spec().pooling().name());
            out.writeInt32(Field.NUM_CLASSES.number, p.spec().numClasses());
            out.writeDouble(Field.HEAD_DROPOUT.number, p.spec().headDropout());
            ModelSettings s = p.settings();
            out.writeInt32(Field.MAX_LENGTH.number, s.maxLength());
            out.writeString(Field.TEXT_KEY.number, s.textKey());
            if (s.pairKey() != null) {
                out.writeString(Field.PAIR_KEY.number, s.pairKey());
            }
            out.writeInt32(Field.ENSEMBLE_SIZE.number, s.ensembleSize());
            out.writeInt64(Field.ENSEMBLE_SEED.number, s.ensembleSeed());
            out.writeDouble(Field.TEMPERATURE.number, s.temperature());
            out.writeBool(Field.EMBED.number, s.embedBaseModel());
            out.writeInt32(Field.THREADS.number, s.threads());
            out.writeInt32(Field.BATCH_SIZE.number, s.batchSize());
            out.writeString(Field.LONG_TEXT.number, s.longText().name());
            out.writeInt32(Field.WINDOW_STRIDE.number, s.windowStride());
            if (p.spec().loss() != HeadLoss.SOFTMAX_CROSS_ENTROPY) {
                out.writeString(Field.HEAD_LOSS.number, p.spec().loss().name());
                OutputSettings o = p.outputs();
                out.writeDouble(Field.THRESHOLD.number, o.threshold());
                for (double v : o.targetMean()) {
                    out.writeDouble(Field.TARGET_MEAN.number, v);
                }
                for (double v : o.targetStd()) {
                    out.writeDouble(Field.TARGET_STD.number, v);
                }
                for (double v : o.labelTemperature()) {
                    out.writeDouble(Field.LABEL_TEMPERATURE.number, v);
                }
                for (double v : o.varianceScale()) {
                    out.writeDouble(Field.VARIANCE_SCALE.number, v);
                }
            }
            // After the output settings: each part's fields are written in number order.
            out.writeString(Field.QUANTIZED_MERGE.number, s.quantizedMerge().name());

            ByteString all = ByteString.EMPTY;
            ByteString.Output integrity = ByteString.newOutput(512);
            CodedOutputStream io = CodedOutputStream.newInstance(integrity, 512);
            for (int i = 0; i < HASHED_PARTS.size(); i++) {
                ByteString bytes = w.get(HASHED_PARTS.get(i)).finish();
                io.writeString(i + 1, digest(bytes));
                all = all.concat(bytes);
            }
            io.flush();
            ByteString.Output tail = ByteString.newOutput(600);
            CodedOutputStream t = CodedOutputStream.newInstance(tail, 600);
            t.writeBytes(Field.INTEGRITY.number, integrity.toByteString());
            t.flush();
            return Any.newBuilder().setTypeUrl(TYPE_URL).setValue(all.concat(tail.toByteString())).build();
        } catch (IOException e) {
            throw new UncheckedIOException("Writing to memory failed", e);
        }
    }

    private static String digest(ByteString bytes) {
        MessageDigest md = Sha256.newDigest();
        for (ByteBuffer b : bytes.asReadOnlyByteBufferList()) {
            md.update(b);
        }
        return Sha256.hex(md);
    }

    /**
     * Reads a payload, checking its integrity.
     * @param any the payload.
     * @param version the format version of the file.
     * @return the payload.
     * @throws DamagedModelException when a part does not match its recorded hash, or the structure is broken.
     * @throws IOException when the payload is not a LoRA-Drop model or lacks a required field.
     */
    static Payload decode(Any any, int version) throws IOException {
        if (!TYPE_URL.equals(any.getTypeUrl())) {
            throw new IOException("Not a LoRA-Drop model payload: type URL is '" + any.getTypeUrl() + "', expected '" + TYPE_URL + "'");
        }
        ByteString value = any.getValue();
        CodedInputStream in = value.newCodedInput();
        in.setSizeLimit(Integer.MAX_VALUE);
        Map<Part, MessageDigest> digests = new EnumMap<>(Part.class);
        for (Part part : HASHED_PARTS) {
            digests.put(part, Sha256.newDigest());
        }
        ByteString metadataBytes = null;
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
        String headLoss = null;
        double threshold = 0.5;
        List<Double> targetMean = new ArrayList<>();
        List<Double> targetStd = new ArrayList<>();
        List<Double> labelTemperature = new ArrayList<>();
        List<Double> varianceScale = new ArrayList<>();
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
        String quantizedMerge = QuantizedMerge.DEFAULT.name();
        ByteString integrity = null;
        try {
            int start = in.getTotalBytesRead();
            int tag;
            while ((tag = in.readTag()) != 0) {
                Field field = Field.of(WireFormat.getTagFieldNumber(tag));
                if (field == null) {
                    in.skipField(tag);
                } else {
                    switch (field) {
                        case METADATA -> metadataBytes = in.readBytes();
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
                        case INTEGRITY -> integrity = in.readBytes();
                        case LONG_TEXT -> longText = in.readString();
                        case WINDOW_STRIDE -> windowStride = in.readInt32();
                        case HEAD_LOSS -> headLoss = in.readString();
                        case THRESHOLD -> threshold = in.readDouble();
                        case TARGET_MEAN -> readDoubles(in, tag, targetMean);
                        case TARGET_STD -> readDoubles(in, tag, targetStd);
                        case LABEL_TEMPERATURE -> readDoubles(in, tag, labelTemperature);
                        case VARIANCE_SCALE -> readDoubles(in, tag, varianceScale);
                        case QUANTIZED_MERGE -> quantizedMerge = in.readString();
                    }
                }
                int end = in.getTotalBytesRead();
                // Hash the field as it lies in the file; fields of unknown number count as settings.
                Part part = field == null ? Part.SETTINGS : field.part;
                if (part != null) {
                    MessageDigest md = digests.get(part);
                    for (ByteBuffer b : value.substring(start, end).asReadOnlyByteBufferList()) {
                        md.update(b);
                    }
                }
                start = end;
            }
        } catch (InvalidProtocolBufferException e) {
            throw new DamagedModelException(List.of(Part.STRUCTURE), "is not well-formed protobuf: " + e.getMessage(), e);
        }
        if (version >= INTEGRITY_VERSION) {
            checkIntegrity(integrity, digests);
        } else if (embed && baseModel != null && baseSha != null && baseModel.size() == baseSize) {
            // Format 0 records no hashes of its own, but the embedded encoder is the file whose hash it records.
            String actual = digest(baseModel);
            if (!Sha256.same(actual, baseSha)) {
                throw new DamagedModelException(List.of(Part.BASE_MODEL), "does not match the SHA-256 recorded for it ("
                        + baseSha + "; the embedded bytes have " + actual + ")", null);
            }
        }
        ModelDataProto metadata;
        require(metadataBytes, Field.METADATA);
        try {
            metadata = ModelDataProto.parseFrom(metadataBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new DamagedModelException(List.of(Part.METADATA), "is not well-formed protobuf: " + e.getMessage(), e);
        }
        require(tokenizerJson, Field.TOKENIZER_JSON);
        require(tokenizerSha, Field.TOKENIZER_SHA);
        require(basePath, Field.BASE_PATH);
        require(baseSha, Field.BASE_SHA);
        require(rank, Field.RANK);
        require(alpha, Field.ALPHA);
        require(dropoutMode, Field.DROPOUT_MODE);
        require(pooling, Field.POOLING);
        require(numClasses, Field.NUM_CLASSES);
        require(params, Field.PARAMS);
        require(maxLength, Field.MAX_LENGTH);
        require(textKey, Field.TEXT_KEY);
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
            HeadLoss loss = headLoss == null ? HeadLoss.SOFTMAX_CROSS_ENTROPY : HeadLoss.valueOf(headLoss);
            ClassifierSpec spec = new ClassifierSpec(lora, Pooling.valueOf(pooling), numClasses, headDropout, loss);
            OutputSettings outputs = loss == HeadLoss.SOFTMAX_CROSS_ENTROPY ? null : new OutputSettings(threshold,
                    targetMean.stream().mapToDouble(Double::doubleValue).toArray(),
                    targetStd.stream().mapToDouble(Double::doubleValue).toArray(),
                    labelTemperature.stream().mapToDouble(Double::doubleValue).toArray(),
                    varianceScale.stream().mapToDouble(Double::doubleValue).toArray());
            ModelSettings settings = new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed,
                    temperature, embed, threads, batchSize, LongText.valueOf(longText), windowStride,
                    QuantizedMerge.valueOf(quantizedMerge));
            // Recorded hashes are lower-case hex; compare and keep them so even if an earlier writer used upper case.
            return new Payload(metadata, tokenizerJson, tokenizerSha.toLowerCase(Locale.ROOT), baseModel,
                    new BaseModelFile(basePath, baseSha.toLowerCase(Locale.ROOT), baseSize), spec, flat, settings, outputs);
        } catch (IllegalArgumentException e) {
            throw new IOException("Corrupt LoRA-Drop model: " + e.getMessage(), e);
        }
    }

    /** A repeated double, written unpacked (one tagged value each) and also read packed, as protobuf parsers do. */
    private static void readDoubles(CodedInputStream in, int tag, List<Double> out) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                out.add(in.readDouble());
            }
            in.popLimit(limit);
        } else {
            out.add(in.readDouble());
        }
    }

    private static void checkIntegrity(ByteString integrity, Map<Part, MessageDigest> digests) throws IOException {
        if (integrity == null) {
            throw new DamagedModelException(List.of(Part.STRUCTURE), "lacks the record of its parts' SHA-256 hashes"
                    + " (field '" + Field.INTEGRITY.protoName + "'), which every file of this format version holds", null);
        }
        String[] recorded = new String[HASHED_PARTS.size()];
        try {
            CodedInputStream in = integrity.newCodedInput();
            int tag;
            while ((tag = in.readTag()) != 0) {
                int n = WireFormat.getTagFieldNumber(tag);
                if (n >= 1 && n <= recorded.length && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    recorded[n - 1] = in.readString();
                } else {
                    in.skipField(tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new DamagedModelException(List.of(Part.STRUCTURE), "has a damaged record of its parts' hashes: " + e.getMessage(), e);
        }
        List<Part> damaged = new ArrayList<>();
        StringBuilder detail = new StringBuilder();
        for (int i = 0; i < recorded.length; i++) {
            Part part = HASHED_PARTS.get(i);
            String actual = Sha256.hex(digests.get(part));
            if (!Sha256.same(actual, recorded[i])) {
                damaged.add(part);
                detail.append(detail.length() == 0 ? "" : "; ").append(part.name().toLowerCase(Locale.ROOT))
                        .append(" recorded ").append(recorded[i] == null ? "nothing" : recorded[i]).append(", read ").append(actual);
            }
        }
        if (!damaged.isEmpty()) {
            throw new DamagedModelException(damaged, (damaged.size() == 1 ? "does" : "do")
                    + " not match the SHA-256 recorded when the file was saved (" + detail + ")", null);
        }
    }

    private static void require(Object value, Field field) throws IOException {
        if (value == null) {
            throw new IOException("Corrupt LoRA-Drop model: field '" + field.protoName + "' is missing");
        }
    }
}
