/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.lora.MaskRng;
import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.List;

/**
 * The SPARSE-mode ensemble as one graph with per-member merged weights: for every targeted Linear, the members'
 * weights {@code W_k = W + s·(diag(m_B,k) B · A diag(m_A,k))ᵀ} come in as a {@code [g, in, out]} input for a group
 * of g members, and the layer's {@code MatMul} becomes {@code Reshape → batched MatMul → Reshape} over rows ordered
 * member-major. Feeding the weights lets one session run any group size, so large batches run in groups of members
 * that keep each call near its most efficient size.
 */
final class StackedEnsembleGraph {
    private StackedEnsembleGraph() {}

    /**
     * The graph, its targets and each member's merged weights.
     * @param model the graph: inputs {@code member_weights_<t>} ({@code [g, in, out]}, g members per call) besides the
     *              token inputs.
     * @param targets the targeted layers.
     * @param memberWeights {@code [member][target]} row-major {@code [in, out]} merged weights.
     */
    record Built(ModelProto model, List<LinearModule> targets, float[][][] memberWeights) {}

    /** Name of the input holding a group of members' weights for target t. */
    static String weightsInput(int t) {
        return "member_weights_" + t;
    }

    static Built build(EncoderModel encoder, ClassifierSpec spec, float[] params, int members, long seed,
                       List<float[][]> inMasks, List<float[][]> outMasks) {
        // Merged graph with a zero LoRA delta: targeted layers get their own copy of W, the head is constant.
        ParameterLayout probeLayout = new ParameterLayout(ai.loradrop.lora.LoraSurgery.select(encoder, spec.lora()),
                spec.lora().rank(), encoder.hiddenSize(), spec.numClasses());
        float[] noDelta = params.clone();
        for (int i = 0; i < probeLayout.modules(); i++) {
            ParameterLayout.Entry e = probeLayout.loraB(i);
            java.util.Arrays.fill(noDelta, e.offset(), e.offset() + e.size(), 0f);
        }
        ProgramGraphs.Forward f = ProgramGraphs.build(encoder, spec, ProgramGraphs.ParamSource.MERGED, noDelta,
                ProgramGraphs.MaskSource.NONE, false);
        Graph g = f.graph();
        ParameterLayout layout = f.layout();
        double s = spec.lora().scaling();
        float[][][] memberWeights = new float[members][f.targets().size()][];
        double p = spec.lora().dropout();
        float keep = (float) spec.lora().keepValue();
        for (int t = 0; t < f.targets().size(); t++) {
            LinearModule m = f.targets().get(t);
            int idx = -1;
            for (int i = 0; i < g.size(); i++) {
                if (g.nodes().get(i).getName().equals(m.nodeName())) {
                    idx = i;
                }
            }
            NodeProto mm = g.nodes().get(idx);
            TensorProto w = g.initializers().get(mm.getInput(1));
            float[] wv = Tensors.toFloats(w);
            int in = m.inFeatures();
            int out = m.outFeatures();
            int r = spec.lora().rank();
            float[] a = layout.get(params, layout.loraA(t).name());
            float[] b = layout.get(params, layout.loraB(t).name());
            for (int k = 0; k < members; k++) {
                float[] wk = new float[in * out];
                memberWeights[k][t] = wk;
                float[] ma;
                float[] mb;
                if (inMasks != null) {
                    ma = inMasks.get(k)[t];
                    mb = outMasks.get(k)[t];
                } else {
                    ma = new float[in];
                    mb = new float[out];
                    MaskRng.fill(MaskRng.key(seed, k, t, MaskRng.SITE_IN), 0, ma, p, keep);
                    MaskRng.fill(MaskRng.key(seed, k, t, MaskRng.SITE_OUT), 0, mb, p, keep);
                }
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        double d = 0;
                        for (int q = 0; q < r; q++) {
                            d += (double) b[o * r + q] * a[q * in + i];
                        }
                        wk[i * out + o] = (float) (wv[i * out + o] + s * mb[o] * ma[i] * d);
                    }
                }
            }
            String stack = g.addInput(weightsInput(t), Tensors.FLOAT, "members", (long) in, (long) out);
            g.removeInitializer(mm.getInput(1));
            String x = mm.getInput(0);
            String xr = g.fresh("member_rows");
            String groupShape = g.op("Concat", List.of(g.op("Slice", g.op("Shape", stack), g.longs(0), g.longs(1), g.longs(0)),
                    g.longs(-1, in)), Attr.i("axis", 0));
            g.setNode(idx, NodeProto.newBuilder().setOpType("Reshape").setName(g.fresh("n_member_rows"))
                    .addInput(x).addInput(groupShape).addOutput(xr).build());
            String prod = g.op("MatMul", xr, stack);
            String lead = g.op("Slice", g.op("Shape", x), g.longs(0), g.longs(-1), g.longs(0));
            String shape = g.op("Concat", List.of(lead, g.longs(out)), Attr.i("axis", 0));
            g.addNode(NodeProto.newBuilder().setOpType("Reshape").setName(g.fresh("n_member_back"))
                    .addInput(prod).addInput(shape).addOutput(mm.getOutput(0)).build());
        }
        String probs = spec.loss().outputs(g, f.logits());
        g.addNode(NodeProto.newBuilder().setOpType("Identity").setName(g.fresh("out")).addInput(probs)
                .addOutput("member_probabilities").build());
        g.addOutput("member_probabilities", Tensors.FLOAT);
        g.topoSort();
        return new Built(g.toModel("loradrop_ensemble_stacked"), f.targets(), memberWeights);
    }
}
