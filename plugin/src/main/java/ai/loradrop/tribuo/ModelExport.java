/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.AdapterInput;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.interop.TokenizerIds;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.programs.ParameterLayout;
import ai.onnx.proto.OnnxMl;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import org.tribuo.ONNXExportable;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The exports of a {@link LoraDropModel}: the merged standalone ONNX classifier and the PEFT adapter folder.
 */
final class ModelExport {
    private static final Logger logger = Logger.getLogger(ModelExport.class.getName());

    /** The trainer's configuration field holding the number of dropout samples (recorded in the adapter sidecar). */
    private static final String DROPOUT_SAMPLES_FIELD = "dropoutSamples";

    private ModelExport() {}

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

    static OnnxMl.ModelProto buildOnnx(LoraDropModel m) {
        return MergedOnnxExport.build(m.getEncoder(), m.getSpec(), tempered(m), onnxOptions(m));
    }

    static OnnxMl.ModelProto writeOnnx(LoraDropModel m, Path file) throws IOException {
        return MergedOnnxExport.write(file, m.getEncoder(), m.getSpec(), tempered(m), onnxOptions(m));
    }

    private static MergedOnnxExport.Options onnxOptions(LoraDropModel m) {
        if (m.getEnsembleSize() > 1) {
            logger.warning("The model predicts with an ensemble of " + m.getEnsembleSize() + " dropout-mask members; the merged"
                    + " ONNX model is its deterministic form (K = 1), which cannot hold the ensemble");
        }
        String doc = "LoRA-Drop text classifier (" + m.getSpec().numClasses() + " classes " + labels(m) + ", "
                + m.getSpec().pooling() + " pooling, max length " + m.getMaxLength() + " tokens"
                + (m.getTemperature() != 1.0 ? ", temperature " + m.getTemperature() + " folded into the head" : "") + ")";
        return MergedOnnxExport.Options.defaults()
                .withTribuoProvenance(serializedProvenance(m.getProvenance()))
                .withLabels(labels(m))
                .withDocString(doc);
    }

    /**
     * The parameters with the temperature folded into the head: {@code softmax((Wh + b) / T) = softmax((W/T) h + b/T)},
     * so the merged model's probabilities are the model's own (its {@code logits} output is then {@code z / T}).
     */
    private static float[] tempered(LoraDropModel m) {
        float[] p = m.getParameters();
        double t = m.getTemperature();
        if (t == 1.0) {
            return p;
        }
        ParameterLayout layout = new ParameterLayout(LoraSurgery.select(m.getEncoder(), m.getSpec().lora()),
                m.getSpec().lora().rank(), m.getEncoder().hiddenSize(), m.getSpec().numClasses());
        for (String name : List.of(ParameterLayout.CLASSIFIER_WEIGHT, ParameterLayout.CLASSIFIER_BIAS)) {
            ParameterLayout.Entry e = layout.entry(name);
            for (int i = e.offset(); i < e.offset() + e.size(); i++) {
                p[i] = (float) (p[i] / t);
            }
        }
        return p;
    }

    static void writeAdapter(LoraDropModel m, Path dir, AdapterExportOptions options) throws IOException {
        AdapterExportOptions o = options.withDropoutSamples(dropoutSamples(m.getProvenance()))
                .withEnsemble(m.getEnsembleSize() > 1 ? m.getEnsembleSize() : 0, m.getEnsembleSeed())
                .withLabels(labels(m))
                .withInput(new AdapterInput(m.getMaxLength(), m.getTextKey(), m.getPairKey().orElse(null)))
                .withTokenizer(TokenizerIds.of(m.getTokenizer()));
        if (m.getTemperature() != 1.0) {
            logger.warning("The model's temperature " + m.getTemperature() + " is not part of a PEFT adapter; the exported"
                    + " head gives the untempered probabilities");
        }
        PeftAdapter.write(dir, m.getEncoder(), m.getSpec(), m.getParameters(), o);
        logger.info("Wrote PEFT adapter with labels " + labels(m) + " to " + dir);
    }

    /** The trainer's dropout samples when the model was trained by {@link LoraDropTrainer}, else 1. */
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
