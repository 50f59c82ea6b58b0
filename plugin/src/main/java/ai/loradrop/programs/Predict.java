/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The deterministic classifier (no dropout masks) as one ONNX Runtime session: token ids in, logits and
 * probabilities out. LoRA is either kept as branches or merged into the frozen weights ({@code W' = W + s·(BA)ᵀ}),
 * which gives the same outputs within float rounding and runs at the base encoder's cost.
 * <p>
 * Thread-safe: ONNX Runtime sessions accept concurrent runs. Close it to release the native session.
 */
public final class Predict implements AutoCloseable {
    private static final Logger logger = Logger.getLogger(Predict.class.getName());

    /** Output: logits. */
    public static final String LOGITS = "logits";
    /**
     * Output: the head's outputs — class probabilities (softmax), label probabilities (one sigmoid per label) or
     * predicted values (regression, the linear outputs themselves), as {@link ClassifierSpec#loss()} says.
     */
    public static final String PROBABILITIES = "probabilities";

    private final EncoderModel encoder;
    private final int numClasses;
    private final ModelProto model;
    private final OrtSession session;
    private volatile boolean closed = false;

    /**
     * Builds the program.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param params the flat trained parameters.
     * @param merged true to merge LoRA into the frozen weights.
     * @param threads intra-op threads (0: ONNX Runtime's default).
     * @throws OrtException when ONNX Runtime rejects the graph.
     */
    public Predict(EncoderModel encoder, ClassifierSpec spec, float[] params, boolean merged, int threads) throws OrtException {
        this(encoder, spec, params, merged, QuantizedMerge.DEFAULT, threads);
    }

    /**
     * Builds the program, choosing how a merged program treats int8 layers.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param params the flat trained parameters.
     * @param merged true to merge LoRA into the frozen weights.
     * @param quantizedMerge with {@code merged}, whether int8 layers keep a float LoRA branch or are requantized.
     * @param threads intra-op threads (0: ONNX Runtime's default).
     * @throws OrtException when ONNX Runtime rejects the graph.
     */
    public Predict(EncoderModel encoder, ClassifierSpec spec, float[] params, boolean merged, QuantizedMerge quantizedMerge,
                   int threads) throws OrtException {
        this.encoder = encoder;
        this.numClasses = spec.numClasses();
        // The session runs ONNX Runtime's fused residual LayerNorm; buildModel (and the export) stay standard ONNX.
        this.model = ai.loradrop.onnx.Fusions.skipLayerNorm(buildModel(encoder, spec, params, merged, quantizedMerge));
        this.session = OrtSupport.session(model, threads, SharedWeights.of(encoder));
    }

    /**
     * The standalone prediction graph: inputs {@code input_ids}, {@code attention_mask} (and {@code token_type_ids}
     * when the encoder takes them), outputs {@code logits} and {@code probabilities}.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param params the flat trained parameters.
     * @param merged true to merge LoRA into the frozen weights.
     * @return the model.
     */
    public static ModelProto buildModel(EncoderModel encoder, ClassifierSpec spec, float[] params, boolean merged) {
        return buildModel(encoder, spec, params, merged, QuantizedMerge.DEFAULT);
    }

    /**
     * The prediction graph, choosing how a merged graph treats int8 layers.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param params the flat trained parameters.
     * @param merged true to merge LoRA into the frozen weights.
     * @param quantizedMerge with {@code merged}, whether int8 layers keep a float LoRA branch or are requantized.
     * @return the model.
     */
    public static ModelProto buildModel(EncoderModel encoder, ClassifierSpec spec, float[] params, boolean merged,
                                        QuantizedMerge quantizedMerge) {
        ProgramGraphs.Forward f = ProgramGraphs.build(encoder, spec,
                merged ? ProgramGraphs.ParamSource.MERGED : ProgramGraphs.ParamSource.CONSTANT, params,
                ProgramGraphs.MaskSource.NONE, false, quantizedMerge);
        Graph g = f.graph();
        String probs = spec.loss().outputs(g, f.logits());
        g.addNode(NodeProto.newBuilder().setOpType("Identity").setName(g.fresh("out")).addInput(f.logits()).addOutput(LOGITS).build());
        g.addNode(NodeProto.newBuilder().setOpType("Identity").setName(g.fresh("out")).addInput(probs).addOutput(PROBABILITIES).build());
        g.addOutput(LOGITS, Tensors.FLOAT);
        g.addOutput(PROBABILITIES, Tensors.FLOAT);
        g.topoSort();
        return g.toModel(merged ? "loradrop_predict_merged" : "loradrop_predict");
    }

    /**
     * The graph this program runs.
     * @return the model.
     */
    public ModelProto model() {
        return model;
    }

    /**
     * Logits of a batch.
     * @param batch the batch.
     * @return row-major {@code [rows, classes]}.
     * @throws OrtException when ONNX Runtime fails.
     */
    public float[] logits(Batch batch) throws OrtException {
        return run(batch, LOGITS);
    }

    /**
     * The head's outputs of a batch: probabilities of classes or of labels, or regression values.
     * @param batch the batch.
     * @return row-major {@code [rows, classes]}.
     * @throws OrtException when ONNX Runtime fails.
     */
    public float[] probabilities(Batch batch) throws OrtException {
        return run(batch, PROBABILITIES);
    }

    private float[] run(Batch b, String output) throws OrtException {
        if (closed) {
            throw new IllegalStateException("This prediction program has been closed");
        }
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            long[] shape = {b.rows(), b.seq()};
            feeds.put(EncoderModel.INPUT_IDS, OrtSupport.longs(b.inputIds(), shape));
            feeds.put(EncoderModel.ATTENTION_MASK, OrtSupport.longs(b.attentionMask(), shape));
            if (encoder.hasTokenTypes()) {
                feeds.put(EncoderModel.TOKEN_TYPE_IDS, OrtSupport.longs(b.tokenTypeIds(), shape));
            }
            try (OrtSession.Result r = session.run(feeds, java.util.Set.of(output))) {
                float[] out = OrtSupport.readFloats(r, output);
                if (out.length != b.rows() * numClasses) {
                    throw new IllegalStateException("Unexpected output size " + out.length);
                }
                return out;
            }
        } finally {
            OrtSupport.closeAll(feeds);
        }
    }

    /**
     * Ends ONNX Runtime's profiling of this prediction program's session (enabled when the session was created with the system
     * property {@code loradrop.profile} set to a file prefix) and writes its trace.
     * @return the path of the trace file (Chrome trace JSON, one event per kernel run).
     * @throws OrtException when profiling was not enabled or the file cannot be written.
     */
    public String endProfiling() throws OrtException {
        return session.endProfiling();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            logger.warning("Closing the prediction session failed: " + e.getMessage());
        }
    }
}
