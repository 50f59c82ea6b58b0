/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.AdapterInput;
import ai.loradrop.interop.AdapterOutputs;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.interop.ProblemType;
import ai.loradrop.interop.TokenizerIds;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.Tokenizer;
import ai.onnx.proto.OnnxMl;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import org.tribuo.ONNXExportable;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * The exports of every LoRA-Drop model ({@link LoraDropModel}, {@link LoraDropMultiLabelModel},
 * {@link LoraDropRegressionModel}): the merged standalone ONNX model and the PEFT adapter folder. A model describes
 * itself as a {@link Source}; what differs between output types is in its {@link Head}.
 */
final class ModelExport {
    private static final Logger logger = Logger.getLogger(ModelExport.class.getName());

    /** The trainer's configuration field holding the number of dropout samples (recorded in the adapter sidecar). */
    private static final String DROPOUT_SAMPLES_FIELD = "dropoutSamples";

    private ModelExport() {}

    /**
     * What an output type adds to the exports.
     *
     * @param names the output names in head-row (output id) order: labels or regression dimension names.
     * @param scale per head row, the factor the merged ONNX model multiplies the row's weights and bias by.
     * @param shift per head row, what the merged ONNX model adds to the row's bias after scaling.
     * @param onnxNote what the folding means, for the ONNX doc string (null: nothing folded).
     * @param adapterOutputs what the adapter sidecar records about the outputs (threshold, target standardisation).
     * @param adapterWarning logged when writing an adapter (something of the model the adapter cannot hold), or null.
     */
    record Head(List<String> names, double[] scale, double[] shift, String onnxNote, AdapterOutputs adapterOutputs,
                String adapterWarning) {
        Head {
            names = List.copyOf(names);
            Objects.requireNonNull(adapterOutputs, "adapterOutputs");
            if (scale.length != names.size() || shift.length != names.size()) {
                throw new IllegalArgumentException(scale.length + " scales and " + shift.length + " shifts for " + names.size() + " outputs");
            }
        }

        /**
         * A head exported as it is.
         * @param names the output names in head-row order.
         * @param adapterOutputs what the adapter sidecar records.
         * @return the head.
         */
        static Head unchanged(List<String> names, AdapterOutputs adapterOutputs) {
            double[] one = new double[names.size()];
            java.util.Arrays.fill(one, 1.0);
            return new Head(names, one, new double[names.size()], null, adapterOutputs, null);
        }
    }

    /**
     * A model, as the exports read it.
     *
     * @param encoder the encoder.
     * @param spec the program specification (the head's loss gives the problem type).
     * @param params the trained parameters (a copy the export may change).
     * @param provenance the model's provenance.
     * @param ensembleSize the test-time ensemble size (1: deterministic).
     * @param ensembleSeed the ensemble's seed.
     * @param input how the model reads its texts.
     * @param tokenizer the tokenizer.
     * @param head what the output type adds.
     * @param quantizedMerge how the merged ONNX model treats the LoRA update of int8 layers (the model's setting).
     */
    record Source(EncoderModel encoder, ClassifierSpec spec, float[] params, ModelProvenance provenance, int ensembleSize,
                  long ensembleSeed, AdapterInput input, Tokenizer tokenizer, Head head, QuantizedMerge quantizedMerge) {}

    /** The source of a classifier: its temperature folds into the merged model's head, not into an adapter. */
    static Source of(LoraDropModel m) {
        List<String> labels = labels(m);
        double t = m.getTemperature();
        Head head = Head.unchanged(labels, AdapterOutputs.none());
        if (t != 1.0) {
            double[] scale = new double[labels.size()];
            java.util.Arrays.fill(scale, 1.0 / t);
            head = new Head(labels, scale, new double[labels.size()], "temperature " + t + " folded into the head",
                    AdapterOutputs.none(), "The model's temperature " + t + " is not part of a PEFT adapter; the exported"
                    + " head gives the untempered probabilities");
        }
        return new Source(m.getEncoder(), m.getSpec(), m.getParameters(), m.getProvenance(), m.getEnsembleSize(),
                m.getEnsembleSeed(), new AdapterInput(m.getMaxLength(), m.getTextKey(), m.getPairKey().orElse(null)),
                m.getTokenizer(), head, m.getQuantizedMerge());
    }

    /** The labels in class-id order. */
    static List<String> labels(LoraDropModel m) {
        List<String> out = new ArrayList<>(m.getOutputIDInfo().size());
        for (int i = 0; i < m.getOutputIDInfo().size(); i++) {
            out.add(m.getOutputIDInfo().getOutput(i).getLabel());
        }
        return out;
    }

    /**
     * The provenance serialized as Tribuo serializes it into its own ONNX exports
     * ({@code ONNXExportable.SERIALIZER.marshalAndSerialize}: OLCUT's protobuf provenance serialization).
     */
    static String serializedProvenance(ModelProvenance p) {
        return ONNXExportable.SERIALIZER.marshalAndSerialize(p);
    }

    static OnnxMl.ModelProto buildOnnx(Source s) {
        return MergedOnnxExport.build(s.encoder(), s.spec(), folded(s), onnxOptions(s));
    }

    static OnnxMl.ModelProto writeOnnx(Source s, Path file) throws IOException {
        return MergedOnnxExport.write(file, s.encoder(), s.spec(), folded(s), onnxOptions(s));
    }

    private static MergedOnnxExport.Options onnxOptions(Source s) {
        if (s.ensembleSize() > 1) {
            logger.warning("The model predicts with an ensemble of " + s.ensembleSize() + " dropout-mask members; the merged"
                    + " ONNX model is its deterministic form (K = 1), which cannot hold the ensemble");
        }
        ProblemType type = ProblemType.of(s.spec().loss());
        String what = switch (type) {
            case SINGLE_LABEL_CLASSIFICATION -> "text classifier (" + s.spec().numClasses() + " classes ";
            case MULTI_LABEL_CLASSIFICATION -> "multi-label text classifier (" + s.spec().numClasses() + " labels ";
            case REGRESSION -> "text regression model (" + s.spec().numClasses() + " dimensions ";
        };
        String doc = "LoRA-Drop " + what + s.head().names() + ", " + s.spec().pooling() + " pooling, max length "
                + s.input().maxLength() + " tokens" + (s.head().onnxNote() != null ? ", " + s.head().onnxNote() : "") + ")";
        return MergedOnnxExport.Options.defaults()
                .withTribuoProvenance(serializedProvenance(s.provenance()))
                .withLabels(s.head().names())
                .withDocString(doc)
                .withQuantizedMerge(s.quantizedMerge());
    }

    /**
     * The parameters with the head's affine map folded in: row {@code j} of the weights and its bias times
     * {@code scale[j]}, plus {@code shift[j]} on the bias, so that the merged model's {@code logits} are
     * {@code scale · z + shift}. A temperature is {@code scale = 1/T}: {@code softmax((Wh + b) / T) =
     * softmax((W/T) h + b/T)}; a regression target standardisation is {@code scale = std, shift = mean}, giving
     * predictions in the targets' units.
     */
    private static float[] folded(Source s) {
        float[] p = s.params().clone();
        Head h = s.head();
        if (h.onnxNote() == null) {
            return p;
        }
        int outputs = s.spec().numClasses();
        ParameterLayout layout = new ParameterLayout(LoraSurgery.select(s.encoder(), s.spec().lora()),
                s.spec().lora().rank(), s.encoder().hiddenSize(), outputs);
        ParameterLayout.Entry w = layout.entry(ParameterLayout.CLASSIFIER_WEIGHT);
        ParameterLayout.Entry b = layout.entry(ParameterLayout.CLASSIFIER_BIAS);
        int hidden = (int) w.shape()[1];
        for (int j = 0; j < outputs; j++) {
            for (int i = 0; i < hidden; i++) {
                int at = w.offset() + j * hidden + i;
                p[at] = (float) (p[at] * h.scale()[j]);
            }
            int at = b.offset() + j;
            p[at] = (float) (p[at] * h.scale()[j] + h.shift()[j]);
        }
        return p;
    }

    static void writeAdapter(Source s, Path dir, AdapterExportOptions options) throws IOException {
        AdapterExportOptions o = options.withDropoutSamples(dropoutSamples(s.provenance()))
                .withEnsemble(s.ensembleSize() > 1 ? s.ensembleSize() : 0, s.ensembleSeed())
                .withLabels(s.head().names())
                .withInput(s.input())
                .withTokenizer(TokenizerIds.of(s.tokenizer()))
                .withOutputs(s.head().adapterOutputs());
        if (s.head().adapterWarning() != null) {
            logger.warning(s.head().adapterWarning());
        }
        PeftAdapter.write(dir, s.encoder(), s.spec(), s.params(), o);
        logger.info("Wrote PEFT adapter (" + ProblemType.of(s.spec().loss()) + ", outputs " + s.head().names() + ") to " + dir);
    }

    /** The trainer's dropout samples when the model was trained by a LoRA-Drop trainer, else 1. */
    private static int dropoutSamples(ModelProvenance p) {
        if (p.getTrainerProvenance() instanceof LoraDropTrainerProvenance t) {
            Provenance v = t.getConfiguredParameters().get(DROPOUT_SAMPLES_FIELD);
            if (v instanceof IntProvenance i) {
                return i.getValue();
            }
        }
        return 1;
    }
}
