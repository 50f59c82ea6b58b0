/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.autodiff.ReverseMode;
import ai.loradrop.autodiff.ShapeProbe;
import ai.loradrop.autodiff.ValueMeta;
import ai.loradrop.head.LossValues;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.MaskRng;
import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.Tensors;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.optim.AdamWGraph;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * One training step — forward pass, reverse pass and AdamW — as a single ONNX Runtime call.
 * <p>
 * The graph takes the batch, the flat parameter and moment vectors, the step number, the learning rate and the mask
 * keys, and returns the loss, the logits, the gradient and the new state. The state lives in two sets of direct
 * buffers used in turn as inputs and pinned outputs, so a step allocates no new state tensors. Frozen encoder
 * weights are initializers, loaded once when the session is created.
 * <p>
 * Not thread-safe: one training loop drives one instance. Close it to release the native session.
 */
public final class TrainStep implements AutoCloseable {
    private static final Logger logger = Logger.getLogger(TrainStep.class.getName());

    /** Output: scalar loss. */
    public static final String LOSS = "loss";
    /** Output: logits of every row. */
    public static final String LOGITS = "logits";
    /** Output: flat gradient. */
    public static final String GRAD = "grad";
    /** Output: global gradient norm before clipping. */
    public static final String GRAD_NORM = "grad_norm";
    /** Input of a softmax head: int64 {@code [rows]} class indices. */
    static final String LABELS = "labels";
    /** Input of a sigmoid or regression head: float {@code [rows, outputs]} targets. */
    static final String TARGETS = "targets";

    private final EncoderModel encoder;
    private final ClassifierSpec spec;
    private final int dropoutSamples;
    private final boolean explicitMasks;
    private final ParameterLayout layout;
    private final List<LinearModule> targets;
    private final boolean headMask;
    private final ModelProto model;
    private final OrtSession session;
    private final int size;
    private final FloatBuffer[][] state = new FloatBuffer[2][3];
    private final OnnxTensor[][] stateTensors = new OnnxTensor[2][3];
    private int current = 0;
    private boolean closed = false;

    /**
     * The result of one step.
     * @param loss the loss before the update.
     * @param logits the logits of the batch's rows (first dropout instance), row-major {@code [rows, classes]}.
     * @param gradient the flat gradient before clipping.
     * @param gradNorm the global gradient norm before clipping.
     */
    public record Result(float loss, float[] logits, float[] gradient, float gradNorm) {}

    /**
     * Builds the step program; its dropout masks are drawn in the graph from keys derived from the run seed and the
     * step number ({@link MaskRng}).
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param optimizer the AdamW settings.
     * @param dropoutSamples dropout instances per example whose losses are averaged ({@code N ≥ 1}).
     * @param threads ONNX Runtime intra-op threads (0: its default).
     * @throws OrtException when ONNX Runtime rejects the graph.
     */
    public TrainStep(EncoderModel encoder, ClassifierSpec spec, AdamWConfig optimizer, int dropoutSamples, int threads)
            throws OrtException {
        this(encoder, spec, optimizer, dropoutSamples, threads, false);
    }

    /**
     * A step program that takes its dropout masks as inputs instead of drawing them, for parity tests against
     * references that fix the masks (PEFT fixtures); run it with {@link #step(Batch, long, float, Map)}. Not part of
     * the public API: training always draws its masks in the graph.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param optimizer the AdamW settings.
     * @param threads ONNX Runtime intra-op threads (0: its default).
     * @return the step program (one dropout sample).
     * @throws OrtException when ONNX Runtime rejects the graph.
     */
    static TrainStep withExplicitMasks(EncoderModel encoder, ClassifierSpec spec, AdamWConfig optimizer, int threads)
            throws OrtException {
        return new TrainStep(encoder, spec, optimizer, 1, threads, true);
    }

    private TrainStep(EncoderModel encoder, ClassifierSpec spec, AdamWConfig optimizer, int dropoutSamples, int threads,
                      boolean explicitMasks) throws OrtException {
        if (dropoutSamples < 1) {
            throw new IllegalArgumentException("dropoutSamples must be at least 1, got " + dropoutSamples);
        }
        this.encoder = encoder;
        this.spec = spec;
        this.dropoutSamples = dropoutSamples;
        this.explicitMasks = explicitMasks;
        this.headMask = spec.headDropout() > 0;
        long t0 = System.nanoTime();
        ProgramGraphs.Forward f = ProgramGraphs.build(encoder, spec, ProgramGraphs.ParamSource.INPUT, null,
                explicitMasks ? ProgramGraphs.MaskSource.EXPLICIT : ProgramGraphs.MaskSource.RNG, headMask);
        this.layout = f.layout();
        this.targets = f.targets();
        this.size = layout.size();
        Graph g = f.graph();
        ReverseMode.exposeSavedStatistics(g);
        g.topoSort();
        Map<String, ValueMeta> meta;
        Map<String, OnnxTensor> feeds = probeFeeds(g);
        try {
            SharedWeights shared = SharedWeights.of(encoder);
            meta = ShapeProbe.probe(g.toModel("probe"), feeds, m -> OrtSupport.probeSession(m, shared));
        } finally {
            OrtSupport.closeAll(feeds);
        }
        if (spec.loss().floatTargets()) {
            g.addInput(TARGETS, Tensors.FLOAT, "rows", (long) spec.numClasses());
        } else {
            g.addInput(LABELS, Tensors.INT64, "rows");
        }
        g.addInput("weights", Tensors.FLOAT, "rows");
        LossValues ce = spec.loss().append(g, f.logits(), spec.loss().floatTargets() ? TARGETS : LABELS, "weights",
                spec.numClasses());
        Map<String, String> grads = ReverseMode.differentiate(g, meta, Map.of(f.logits(), ce.dLogits()), f.paramValues(),
                encoder.quantizedBackward());
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < layout.entries().size(); i++) {
            ParameterLayout.Entry e = layout.entries().get(i);
            String gr = grads.get(f.paramValues().get(i));
            if (gr == null) {
                gr = g.floats(new long[]{e.size()}, new float[e.size()]);
            } else {
                gr = g.op("Reshape", gr, g.longs(-1));
            }
            parts.add(gr);
        }
        String flatGrad = parts.size() == 1 ? parts.get(0) : g.op("Concat", parts, Attr.i("axis", 0));
        g.addInput("m", Tensors.FLOAT, (long) size);
        g.addInput("v", Tensors.FLOAT, (long) size);
        g.addInput("step", Tensors.FLOAT);
        g.addInput("lr", Tensors.FLOAT);
        AdamWGraph.Update u = AdamWGraph.append(g, ProgramGraphs.PARAMS, flatGrad, "m", "v", "step", "lr", optimizer);
        named(g, ce.loss(), LOSS, Tensors.FLOAT);
        named(g, f.logits(), LOGITS, Tensors.FLOAT);
        named(g, flatGrad, GRAD, Tensors.FLOAT);
        named(g, u.gradNorm(), GRAD_NORM, Tensors.FLOAT);
        named(g, u.params(), "params_out", Tensors.FLOAT);
        named(g, u.m(), "m_out", Tensors.FLOAT);
        named(g, u.v(), "v_out", Tensors.FLOAT);
        g.topoSort();
        this.model = g.toModel("loradrop_train_step");
        this.session = OrtSupport.session(model, threads, SharedWeights.of(encoder), false);
        try {
            for (int s = 0; s < 2; s++) {
                for (int k = 0; k < 3; k++) {
                    state[s][k] = OrtSupport.floatBuffer(size);
                    stateTensors[s][k] = OnnxTensor.createTensor(OrtSupport.env(), state[s][k], new long[]{size});
                }
            }
        } catch (OrtException | RuntimeException | Error e) {
            // The constructor fails, so nobody can close this instance: release the session and tensors here.
            close();
            throw e;
        }
        logger.fine(() -> String.format("Built training step: %d LoRA targets, %d trainable values, %d nodes, in %.1f s",
                targets.size(), size, model.getGraph().getNodeCount(), (System.nanoTime() - t0) / 1e9));
    }

    private static void named(Graph g, String value, String name, int type) {
        g.addNode(NodeProto.newBuilder().setOpType("Identity").setName(g.fresh("out_" + name)).addInput(value).addOutput(name).build());
        g.addOutput(name, type);
    }

    /** Feeds for the shape probe: 3 rows, 7 positions, sizes no static dimension of an encoder shares. */
    private Map<String, OnnxTensor> probeFeeds(Graph g) throws OrtException {
        int rows = 3;
        int seq = 7;
        long vocab = Math.max(2, encoder.vocabSize() > 0 ? encoder.vocabSize() : 100);
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        for (ValueInfoProto v : g.inputs()) {
            String n = v.getName();
            long[] ids = new long[rows * seq];
            switch (n) {
                case EncoderModel.INPUT_IDS -> {
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = 1 + (i * 7L) % (vocab - 1);
                    }
                    feeds.put(n, OrtSupport.longs(ids, rows, seq));
                }
                case EncoderModel.ATTENTION_MASK -> {
                    java.util.Arrays.fill(ids, 1);
                    ids[ids.length - 1] = 0;
                    feeds.put(n, OrtSupport.longs(ids, rows, seq));
                }
                case EncoderModel.TOKEN_TYPE_IDS -> feeds.put(n, OrtSupport.longs(ids, rows, seq));
                case ProgramGraphs.PARAMS -> {
                    float[] p = new float[size];
                    for (int i = 0; i < size; i++) {
                        p[i] = (float) Math.sin(i) * 0.01f;
                    }
                    feeds.put(n, OrtSupport.floats(p, size));
                }
                case ProgramGraphs.MASK_KEYS -> feeds.put(n, OrtSupport.ints(new int[2 * targets.size() + 1], 2L * targets.size() + 1));
                case ProgramGraphs.ROW_INSTANCE -> feeds.put(n, OrtSupport.ints(new int[rows], rows));
                case ProgramGraphs.MASK_HEAD -> feeds.put(n, OrtSupport.floats(ones(rows * encoder.hiddenSize()), rows, encoder.hiddenSize()));
                default -> {
                    long[] shape = maskShape(n, rows, seq);
                    feeds.put(n, OrtSupport.floats(ones((int) Tensors.size(shape)), shape));
                }
            }
        }
        return feeds;
    }

    private long[] maskShape(String name, int rows, int seq) {
        for (int i = 0; i < targets.size(); i++) {
            if (name.equals(ProgramGraphs.maskIn(i))) {
                boolean sparse = spec.lora().dropoutMode() == DropoutMode.SPARSE;
                return new long[]{rows, sparse ? 1 : seq, targets.get(i).inFeatures()};
            }
            if (name.equals(ProgramGraphs.maskOut(i))) {
                return new long[]{rows, 1, targets.get(i).outFeatures()};
            }
        }
        throw new IllegalStateException("Unexpected graph input " + name);
    }

    private static float[] ones(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, 1f);
        return f;
    }

    /**
     * The parameter layout.
     * @return the layout.
     */
    public ParameterLayout layout() {
        return layout;
    }

    /**
     * The targeted modules.
     * @return the modules, in layout order.
     */
    public List<LinearModule> targets() {
        return targets;
    }

    /**
     * The graph this step runs (for inspection and tests).
     * @return the model.
     */
    public ModelProto model() {
        return model;
    }

    /**
     * Sets the state.
     * @param params the parameters.
     * @param m the first moments (null: zeros).
     * @param v the second moments (null: zeros).
     */
    public void setState(float[] params, float[] m, float[] v) {
        checkOpen();
        float[][] src = {params, m == null ? new float[size] : m, v == null ? new float[size] : v};
        for (int k = 0; k < 3; k++) {
            if (src[k].length != size) {
                throw new IllegalArgumentException("State vector " + k + " has " + src[k].length + " values, expected " + size);
            }
            state[current][k].clear();
            state[current][k].put(src[k]);
            state[current][k].clear();
        }
    }

    /**
     * A copy of the parameters.
     * @return the flat vector.
     */
    public float[] params() {
        return copy(0);
    }

    /**
     * A copy of the first moments.
     * @return the flat vector.
     */
    public float[] firstMoments() {
        return copy(1);
    }

    /**
     * A copy of the second moments.
     * @return the flat vector.
     */
    public float[] secondMoments() {
        return copy(2);
    }

    private float[] copy(int k) {
        checkOpen();
        float[] out = new float[size];
        FloatBuffer b = state[current][k].duplicate();
        b.clear();
        b.get(out);
        return out;
    }

    /**
     * Runs a step with masks drawn in the graph.
     * @param batch the batch (labels and weights required).
     * @param step the 1-based step number (AdamW bias correction and mask keys).
     * @param lr the learning rate.
     * @param seed the run seed.
     * @return the result.
     * @throws OrtException when ONNX Runtime fails.
     */
    public Result step(Batch batch, long step, float lr, long seed) throws OrtException {
        if (explicitMasks) {
            throw new IllegalStateException("This step takes explicit masks; use step(batch, step, lr, masks)");
        }
        Batch b = batch.repeat(dropoutSamples, 1f);
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            if (spec.lora().hasDropout() || headMask) {
                int[] keys = new int[2 * targets.size() + 1];
                for (int i = 0; i < targets.size(); i++) {
                    keys[2 * i] = MaskRng.key(seed, step, i, MaskRng.SITE_IN);
                    keys[2 * i + 1] = MaskRng.key(seed, step, i, MaskRng.SITE_OUT);
                }
                keys[2 * targets.size()] = MaskRng.key(seed, step, MaskRng.HEAD_MODULE, 0);
                feeds.put(ProgramGraphs.MASK_KEYS, OrtSupport.ints(keys, keys.length));
                if (spec.lora().hasDropout() && spec.lora().dropoutMode() == DropoutMode.SPARSE) {
                    int[] inst = new int[b.rows()];
                    for (int r = 0; r < b.rows(); r++) {
                        inst[r] = r / batch.rows();
                    }
                    feeds.put(ProgramGraphs.ROW_INSTANCE, OrtSupport.ints(inst, inst.length));
                }
            }
            return run(b, batch.rows(), step, lr, feeds);
        } finally {
            OrtSupport.closeAll(feeds);
        }
    }

    /**
     * Runs a step of a {@link #withExplicitMasks} program (parity tests). Mask names are {@code mask_in_<i>} ({@code [rows, seq, in]}
     * in INPUT mode, {@code [rows, 1, in]} in SPARSE mode), {@code mask_out_<i>} ({@code [rows, 1, out]}, SPARSE) and
     * {@code mask_head} ({@code [rows, hidden]}), values already scaled (0 or the keep value).
     * @param batch the batch.
     * @param step the 1-based step number.
     * @param lr the learning rate.
     * @param masks the masks by input name.
     * @return the result.
     * @throws OrtException when ONNX Runtime fails.
     */
    Result step(Batch batch, long step, float lr, Map<String, float[]> masks) throws OrtException {
        if (!explicitMasks) {
            throw new IllegalStateException("This step draws its masks in the graph; use step(batch, step, lr, seed)");
        }
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (ValueInfoProto v : model.getGraph().getInputList()) {
                String n = v.getName();
                if (n.startsWith("mask_")) {
                    float[] m = masks.get(n);
                    if (m == null) {
                        throw new IllegalArgumentException("Missing explicit mask '" + n + "'");
                    }
                    long[] shape = n.equals(ProgramGraphs.MASK_HEAD)
                            ? new long[]{batch.rows(), encoder.hiddenSize()} : maskShape(n, batch.rows(), batch.seq());
                    if (m.length != Tensors.size(shape)) {
                        throw new IllegalArgumentException("Mask '" + n + "' has " + m.length + " values, expected shape " + java.util.Arrays.toString(shape));
                    }
                    feeds.put(n, OrtSupport.floats(m, shape));
                }
            }
            return run(batch, batch.rows(), step, lr, feeds);
        } finally {
            OrtSupport.closeAll(feeds);
        }
    }

    private Result run(Batch b, int firstRows, long step, float lr, Map<String, OnnxTensor> feeds) throws OrtException {
        checkOpen();
        boolean floatTargets = spec.loss().floatTargets();
        if ((floatTargets ? b.targets() == null : b.labels() == null) || b.weights() == null) {
            throw new IllegalArgumentException("A training batch needs " + (floatTargets ? "float targets" : "labels")
                    + " and weights for a " + spec.loss() + " head");
        }
        if (floatTargets) {
            if (b.targets().length != b.rows() * spec.numClasses()) {
                throw new IllegalArgumentException("The batch holds " + b.targets().length / b.rows() + " targets per row, the head has "
                        + spec.numClasses() + " outputs");
            }
        } else {
            for (long l : b.labels()) {
                if (l < 0 || l >= spec.numClasses()) {
                    throw new IllegalArgumentException("Label index " + l + " outside [0, " + spec.numClasses() + ")");
                }
            }
        }
        long[] shape = {b.rows(), b.seq()};
        feeds.put(EncoderModel.INPUT_IDS, OrtSupport.longs(b.inputIds(), shape));
        feeds.put(EncoderModel.ATTENTION_MASK, OrtSupport.longs(b.attentionMask(), shape));
        if (encoder.hasTokenTypes()) {
            feeds.put(EncoderModel.TOKEN_TYPE_IDS, OrtSupport.longs(b.tokenTypeIds(), shape));
        }
        if (floatTargets) {
            feeds.put(TARGETS, OrtSupport.floats(b.targets(), b.rows(), spec.numClasses()));
        } else {
            feeds.put(LABELS, OrtSupport.longs(b.labels(), b.rows()));
        }
        feeds.put("weights", OrtSupport.floats(b.weights(), b.rows()));
        feeds.put("step", OrtSupport.floats(new float[]{step}));
        feeds.put("lr", OrtSupport.floats(new float[]{lr}));
        Map<String, OnnxTensor> all = new HashMap<>(feeds);
        all.put(ProgramGraphs.PARAMS, stateTensors[current][0]);
        all.put("m", stateTensors[current][1]);
        all.put("v", stateTensors[current][2]);
        int next = 1 - current;
        Map<String, OnnxValue> pinned = new HashMap<>();
        pinned.put("params_out", stateTensors[next][0]);
        pinned.put("m_out", stateTensors[next][1]);
        pinned.put("v_out", stateTensors[next][2]);
        Result res;
        try (OrtSession.Result r = session.run(all, Set.of(LOSS, LOGITS, GRAD, GRAD_NORM), pinned)) {
            float loss = OrtSupport.readFloats(r, LOSS)[0];
            float[] logits = OrtSupport.readFloats(r, LOGITS);
            if (logits.length != firstRows * spec.numClasses()) {
                logits = java.util.Arrays.copyOf(logits, firstRows * spec.numClasses());
            }
            res = new Result(loss, logits, OrtSupport.readFloats(r, GRAD), OrtSupport.readFloats(r, GRAD_NORM)[0]);
        }
        current = next;
        return res;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This training step has been closed");
        }
    }

    /**
     * Ends ONNX Runtime's profiling of this training step's session (enabled when the session was created with the system
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
        for (OnnxTensor[] ts : stateTensors) {
            for (OnnxTensor t : ts) {
                if (t != null) {
                    t.close();
                }
            }
        }
        try {
            session.close();
        } catch (OrtException e) {
            logger.warning("Closing the training session failed: " + e.getMessage());
        }
    }
}
