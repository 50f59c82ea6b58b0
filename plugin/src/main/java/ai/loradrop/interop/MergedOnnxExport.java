/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.io.AtomicFiles;

import ai.loradrop.lora.LoraConfig;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.QuantizedMerge;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * A standalone ONNX model for serving without LoRA-Drop: the encoder with LoRA merged into its weights
 * ({@code W' = W + s·(BA)ᵀ}; int8 layers keep it as a float branch or fold it and requantize, as
 * {@link Options#quantizedMerge()} says, and 4-bit layers keep the branch) and the pooling and head appended. Inputs {@code input_ids},
 * {@code attention_mask} (and {@code token_type_ids} when the encoder takes them), int64 {@code [batch, seq]}.
 * Outputs, float {@code [batch, outputs]}, by the head's {@link ProblemType}: {@code logits} and {@code probabilities}
 * (softmax over the classes of a single-label classifier; one sigmoid per label of a multi-label one), or
 * {@value #PREDICTIONS} for regression (the head's values as given: callers fold a target standardisation into the
 * head's parameters). The model is valid standard ONNX
 * under the encoder's own opset import ({@code onnx.checker.check_model(model, full_check=True)} accepts it; see
 * {@code OnnxConformance}), so it serves in runtimes other than ONNX Runtime too.
 * <p>
 * Model metadata ({@code metadata_props}): {@value #TRIBUO_PROVENANCE} holds the Tribuo provenance string the caller
 * passes (Tribuo's own ONNX exports store {@code ONNXExportable.SERIALIZER.marshalAndSerialize(provenance)} under
 * this key, and Tribuo's {@code ONNXExternalModel.getTribuoProvenance()} reads it back), and {@code loradrop.*}
 * keys describe the model: the spec as JSON, the problem type, the output names (class labels, multi-label labels or
 * regression dimensions), the input and output names and the versions that wrote the file.
 */
public final class MergedOnnxExport {
    private static final Logger logger = Logger.getLogger(MergedOnnxExport.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The metadata key of the Tribuo provenance (the value of Tribuo's {@code ONNXExportable.PROVENANCE_METADATA_FIELD}). */
    public static final String TRIBUO_PROVENANCE = "TRIBUO_PROVENANCE";
    /** Metadata key: the classifier spec as JSON. */
    public static final String META_SPEC = "loradrop.spec";
    /**
     * Metadata key: the names of the outputs in column order as a JSON array (class labels, multi-label labels or
     * regression dimension names; present when labels were given).
     */
    public static final String META_LABELS = "loradrop.labels";
    /**
     * Metadata key: what the head predicts, in Hugging Face's {@code problem_type} vocabulary
     * ({@code single_label_classification}, {@code multi_label_classification} or {@code regression}).
     */
    public static final String META_PROBLEM_TYPE = "loradrop.problem_type";
    /** The output of a regression model: the predicted values, float {@code [batch, dimensions]}. */
    public static final String PREDICTIONS = "predictions";
    /** Metadata key: the input names, comma-separated. */
    public static final String META_INPUTS = "loradrop.inputs";
    /** Metadata key: the output names, comma-separated. */
    public static final String META_OUTPUTS = "loradrop.outputs";
    /** Metadata key: LoRA-Drop's version. */
    public static final String META_VERSION = "loradrop.version";
    /** Metadata key: the ONNX Runtime version the export was built with. */
    public static final String META_ORT_VERSION = "loradrop.onnxruntime_version";
    /** Metadata key: the format version of this metadata. */
    public static final String META_FORMAT_VERSION = "loradrop.format_version";
    /** Current metadata format version. */
    public static final String FORMAT_VERSION = "1";

    /**
     * Export settings.
     *
     * @param tribuoProvenance the serialized Tribuo provenance for {@value #TRIBUO_PROVENANCE}, or null to omit it.
     * @param labels the class labels in output order, or an empty list.
     * @param domain the model's reverse-DNS domain.
     * @param modelVersion the model's version number.
     * @param docString a human-readable description (null: none).
     * @param quantizedMerge how int8 layers hold the LoRA update ({@link QuantizedMerge#DESCRIPTION}); null is
     *                       {@link QuantizedMerge#DEFAULT}.
     */
    public record Options(String tribuoProvenance, List<String> labels, String domain, long modelVersion, String docString,
                          QuantizedMerge quantizedMerge) {
        /**
         * Validates and copies.
         * @param tribuoProvenance the serialized Tribuo provenance for {@value #TRIBUO_PROVENANCE}, or null to omit it.
         * @param labels the class labels in output order, or an empty list.
         * @param domain the model's reverse-DNS domain.
         * @param modelVersion the model's version number.
         * @param docString a human-readable description (null: none).
         * @param quantizedMerge how int8 layers hold the LoRA update; null is {@link QuantizedMerge#DEFAULT}.
         */
        public Options {
            labels = labels == null ? List.of() : List.copyOf(labels);
            domain = domain == null ? "" : domain;
            quantizedMerge = quantizedMerge == null ? QuantizedMerge.DEFAULT : quantizedMerge;
        }

        /**
         * Options with the default int8 form ({@link QuantizedMerge#DEFAULT}).
         * @param tribuoProvenance the serialized Tribuo provenance for {@value #TRIBUO_PROVENANCE}, or null to omit it.
         * @param labels the class labels in output order, or an empty list.
         * @param domain the model's reverse-DNS domain.
         * @param modelVersion the model's version number.
         * @param docString a human-readable description (null: none).
         */
        public Options(String tribuoProvenance, List<String> labels, String domain, long modelVersion, String docString) {
            this(tribuoProvenance, labels, domain, modelVersion, docString, QuantizedMerge.DEFAULT);
        }

        /**
         * No provenance, no labels, domain {@code ai.loradrop}, version 1, {@link QuantizedMerge#DEFAULT}.
         * @return the options.
         */
        public static Options defaults() {
            return new Options(null, List.of(), "ai.loradrop", 1, null, QuantizedMerge.DEFAULT);
        }

        /**
         * A copy with a Tribuo provenance string.
         * @param provenance the serialized provenance.
         * @return the copy.
         */
        public Options withTribuoProvenance(String provenance) {
            return new Options(provenance, labels, domain, modelVersion, docString, quantizedMerge);
        }

        /**
         * A copy with class labels.
         * @param names the labels in output order.
         * @return the copy.
         */
        public Options withLabels(List<String> names) {
            return new Options(tribuoProvenance, names, domain, modelVersion, docString, quantizedMerge);
        }

        /**
         * A copy with a description.
         * @param doc the description.
         * @return the copy.
         */
        public Options withDocString(String doc) {
            return new Options(tribuoProvenance, labels, domain, modelVersion, doc, quantizedMerge);
        }

        /**
         * A copy with another int8 form: the LoRA update of int8 layers as a float branch or folded and requantized.
         * @param form the form.
         * @return the copy.
         */
        public Options withQuantizedMerge(QuantizedMerge form) {
            return new Options(tribuoProvenance, labels, domain, modelVersion, docString, Objects.requireNonNull(form, "form"));
        }
    }

    private MergedOnnxExport() {}

    /**
     * Builds the standalone model.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param params the flat trained parameters.
     * @param options export settings.
     * @return the model.
     * @throws IllegalArgumentException when the parameters do not fit the spec, the labels do not match the number of
     *                                  outputs or a parameter is not finite.
     */
    public static ModelProto build(EncoderModel encoder, ClassifierSpec spec, float[] params, Options options) {
        Objects.requireNonNull(options, "options");
        if (!options.labels().isEmpty() && options.labels().size() != spec.numClasses()) {
            throw new IllegalArgumentException("Got " + options.labels().size() + " labels for " + spec.numClasses() + " classes");
        }
        int expected = new ParameterLayout(LoraSurgery.select(encoder, spec.lora()), spec.lora().rank(), encoder.hiddenSize(),
                spec.numClasses()).size();
        if (params.length != expected) {
            throw new IllegalArgumentException("params hold " + params.length + " values but the spec on this encoder needs " + expected);
        }
        for (int i = 0; i < params.length; i++) {
            if (!Float.isFinite(params[i])) {
                throw new IllegalArgumentException("Parameter value " + i + " is " + params[i] + "; refusing to export a diverged model");
            }
        }
        ProblemType type = ProblemType.of(spec.loss());
        ModelProto predict = Predict.buildModel(encoder, spec, params, true, options.quantizedMerge());
        if (type == ProblemType.REGRESSION) {
            predict = regressionOutputs(predict);
        }
        ModelProto m = OnnxConformance.conform(predict, spec.numClasses());
        Map<String, String> meta = new TreeMap<>();
        for (StringStringEntryProto e : m.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        if (options.tribuoProvenance() != null) {
            meta.put(TRIBUO_PROVENANCE, options.tribuoProvenance());
        }
        meta.put(META_SPEC, specJson(spec));
        if (!options.labels().isEmpty()) {
            meta.put(META_LABELS, json(options.labels()));
        }
        meta.put(META_INPUTS, encoder.hasTokenTypes()
                ? String.join(",", EncoderModel.INPUT_IDS, EncoderModel.ATTENTION_MASK, EncoderModel.TOKEN_TYPE_IDS)
                : String.join(",", EncoderModel.INPUT_IDS, EncoderModel.ATTENTION_MASK));
        meta.put(META_PROBLEM_TYPE, type.hfName());
        meta.put(META_OUTPUTS, String.join(",", outputNames(type)));
        meta.put(META_VERSION, Versions.loradrop());
        meta.put(META_ORT_VERSION, Versions.onnxRuntime());
        meta.put(META_FORMAT_VERSION, FORMAT_VERSION);
        ModelProto.Builder b = m.toBuilder().clearMetadataProps()
                .setProducerName("LoRA-Drop for Tribuo")
                .setProducerVersion(Versions.loradrop())
                .setDomain(options.domain())
                .setModelVersion(options.modelVersion());
        if (options.docString() != null) {
            b.setDocString(options.docString());
        }
        meta.forEach((k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return b.build();
    }

    /**
     * The output names of a model of a problem type, in graph output order.
     * @param type the problem type.
     * @return {@code logits, probabilities}, or {@value #PREDICTIONS} for regression.
     */
    public static List<String> outputNames(ProblemType type) {
        return type == ProblemType.REGRESSION ? List.of(PREDICTIONS) : List.of(Predict.LOGITS, Predict.PROBABILITIES);
    }

    /**
     * A regression graph's one output: the head's values as {@value #PREDICTIONS} ({@code probabilities} of the
     * prediction graph repeats them and goes; the dead nodes are dropped by {@link OnnxConformance}).
     */
    private static ModelProto regressionOutputs(ModelProto m) {
        GraphProto g = m.getGraph();
        GraphProto.Builder b = g.toBuilder().clearNode().clearOutput();
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder nb = n.toBuilder();
            for (int i = 0; i < n.getOutputCount(); i++) {
                if (n.getOutput(i).equals(Predict.LOGITS)) {
                    nb.setOutput(i, PREDICTIONS);
                }
            }
            b.addNode(nb);
        }
        for (ValueInfoProto o : g.getOutputList()) {
            if (o.getName().equals(Predict.LOGITS)) {
                b.addOutput(o.toBuilder().setName(PREDICTIONS));
            }
        }
        return m.toBuilder().setGraph(b).build();
    }

    /**
     * Builds the standalone model and writes it atomically.
     * @param file the destination {@code .onnx} file; its folder must exist.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param params the flat trained parameters.
     * @param options export settings.
     * @return the model written.
     * @throws IOException when the file cannot be written (no partial file is left) or the model exceeds
     *                     protobuf's 2 GB limit.
     */
    public static ModelProto write(Path file, EncoderModel encoder, ClassifierSpec spec, float[] params, Options options)
            throws IOException {
        ModelProto m = build(encoder, spec, params, options);
        long size = m.getSerializedSize();
        if (size < 0 || size >= Integer.MAX_VALUE) {
            throw new IOException("The merged model is larger than protobuf's 2 GB limit; cannot write " + file);
        }
        AtomicFiles.write(file, "merged ONNX model", m::writeTo);
        logger.info(String.format("Wrote merged ONNX model to %s (%.1f MB, %s, %d outputs)", file, size / 1e6,
                ProblemType.of(spec.loss()), spec.numClasses()));
        return m;
    }

    /**
     * The spec as JSON, as stored under {@value #META_SPEC}.
     * @param spec the spec.
     * @return the JSON text.
     */
    static String specJson(ClassifierSpec spec) {
        LoraConfig l = spec.lora();
        ObjectNode n = JSON.createObjectNode();
        n.put("num_classes", spec.numClasses());
        n.put("head_loss", spec.loss().name());
        n.put("pooling", spec.pooling().name());
        n.put("head_dropout", spec.headDropout());
        ObjectNode lo = n.putObject("lora");
        lo.put("rank", l.rank());
        lo.put("alpha", l.alpha());
        lo.put("rs_lora", l.rsLora());
        lo.put("scaling", l.scaling());
        l.targetModules().forEach(lo.putArray("target_modules")::add);
        if (l.targetRegex() != null) {
            lo.put("target_regex", l.targetRegex());
        }
        lo.put("dropout_mode", l.dropoutMode().name());
        lo.put("dropout", l.dropout());
        lo.put("sparse_scaled", l.sparseScaled());
        lo.put("merged", true);
        return json(n);
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
