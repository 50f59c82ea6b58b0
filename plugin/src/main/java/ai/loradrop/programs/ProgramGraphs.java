/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.ClassifierHead;
import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.lora.MaskRng;
import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.FirstTokenPruning;
import ai.loradrop.onnx.Fusions;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.QuantizedLinears;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the forward part shared by every program: encoder, LoRA branches with their masks, pooling and head.
 */
final class ProgramGraphs {
    private ProgramGraphs() {}

    /** Whether decomposed LayerNorms are fused (system property {@code loradrop.fuse}, default true). */
    static final boolean FUSE = !"false".equals(System.getProperty("loradrop.fuse"));


    /** Name of the flat parameter input. */
    static final String PARAMS = "params";
    /** Name of the int64 mask key input (RNG masks). */
    static final String MASK_KEYS = "mask_keys";
    /** Name of the int64 per-row dropout instance input (RNG sparse masks). */
    static final String ROW_INSTANCE = "row_instance";
    /** Name of the explicit head dropout mask input. */
    static final String MASK_HEAD = "mask_head";

    /** Where parameters come from. */
    enum ParamSource {
        /** A flat float input named {@link #PARAMS}. */
        INPUT,
        /** Constants baked into the graph, LoRA kept as branches. */
        CONSTANT,
        /** Constants with LoRA merged into the frozen weights ({@code W' = W + s·(BA)ᵀ}). */
        MERGED
    }

    /** Where dropout masks come from. */
    enum MaskSource {
        /** No masks. */
        NONE,
        /** Inputs {@code mask_in_i}, {@code mask_out_i}, {@code mask_head}, fed by the caller. */
        EXPLICIT,
        /** Computed in the graph from {@link #MASK_KEYS} and {@link #ROW_INSTANCE}. */
        RNG
    }

    /** Name of the explicit input mask of target i. */
    static String maskIn(int i) {
        return "mask_in_" + i;
    }

    /** Name of the explicit output mask of target i. */
    static String maskOut(int i) {
        return "mask_out_" + i;
    }

    /** The built forward graph. */
    record Forward(Graph graph, List<LinearModule> targets, ParameterLayout layout, List<String> paramValues,
                   String logits) {}

    static Forward build(EncoderModel encoder, ClassifierSpec spec, ParamSource params, float[] values,
                         MaskSource masks, boolean headMask) {
        return build(encoder, spec, params, values, masks, headMask, QuantizedMerge.DEFAULT);
    }

    /**
     * {@link #build(EncoderModel, ClassifierSpec, ParamSource, float[], MaskSource, boolean)} with int8 layers merged
     * as given (4-bit layers always keep a float LoRA branch).
     */
    static Forward build(EncoderModel encoder, ClassifierSpec spec, ParamSource params, float[] values,
                         MaskSource masks, boolean headMask, QuantizedMerge quantizedMerge) {
        LoraConfig lora = spec.lora();
        List<LinearModule> targets = LoraSurgery.select(encoder, lora);
        ParameterLayout layout = new ParameterLayout(targets, lora.rank(), encoder.hiddenSize(), spec.numClasses());
        if (values != null && values.length != layout.size()) {
            throw new IllegalArgumentException("Parameter vector has " + values.length + " values, the layout needs " + layout.size());
        }
        Graph g = new Graph(encoder.model(), "/loradrop/");
        g.clearOutputs();
        if (FUSE) {
            Fusions.fuseLayerNorm(g);
        }
        List<String> paramValues = new ArrayList<>();
        // Int8 layers keep their LoRA update as a float branch unless it is merged and requantized; 4-bit layers
        // always do: rounding the merged weight to 4 bits again would lose most of the (small) update.
        java.util.Set<String> branchParams = new java.util.HashSet<>();
        if (params == ParamSource.MERGED) {
            for (int t = 0; t < targets.size(); t++) {
                LinearModule m = targets.get(t);
                if (m.isBlockQuantized() || m.isInt8() && quantizedMerge == QuantizedMerge.BRANCH) {
                    branchParams.add(layout.loraA(t).name());
                    branchParams.add(layout.loraB(t).name());
                }
            }
        }
        if (masks == MaskSource.RNG && (headMask || lora.hasDropout())) {
            g.addInput(MASK_KEYS, Tensors.INT32, (long) (2 * targets.size() + 1));
        }
        if (params == ParamSource.INPUT) {
            g.addInput(PARAMS, Tensors.FLOAT, (long) layout.size());
            for (ParameterLayout.Entry e : layout.entries()) {
                String s = g.op("Slice", PARAMS, g.longs(e.offset()), g.longs(e.offset() + e.size()), g.longs(0));
                paramValues.add(g.op("Reshape", s, g.longs(e.shape())));
            }
        } else {
            for (ParameterLayout.Entry e : layout.entries()) {
                if (params == ParamSource.MERGED && !e.name().startsWith("classifier.") && !branchParams.contains(e.name())) {
                    paramValues.add(null);
                    continue;
                }
                float[] v = new float[e.size()];
                System.arraycopy(values, e.offset(), v, 0, v.length);
                paramValues.add(g.addInitializer(Tensors.floats(g.fresh("param"), e.shape(), v)));
            }
        }
        if (params == ParamSource.MERGED) {
            List<Integer> branches = new ArrayList<>();
            List<Integer> merged = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                (branchParams.contains(layout.loraA(t).name()) ? branches : merged).add(t);
            }
            merge(g, targets, merged, layout, values, lora.scaling());
            LoraSurgery.apply(g, branches.stream().map(targets::get).toList(), lora.scaling(),
                    i -> paramValues.get(2 * branches.get(i)), i -> paramValues.get(2 * branches.get(i) + 1), LoraSurgery.NO_MASKS);
        } else {
            LoraSurgery.MaskSupplier supplier = masks == MaskSource.NONE || !lora.hasDropout()
                    ? LoraSurgery.NO_MASKS : maskSupplier(g, lora, masks, targets.size());
            LoraSurgery.apply(g, targets, lora.scaling(), i -> paramValues.get(2 * i), i -> paramValues.get(2 * i + 1), supplier);
        }
        if (spec.pooling() == Pooling.FIRST_TOKEN && encoder.firstTokenPruning()) {
            FirstTokenPruning.apply(g, encoder.hiddenOutput());
        }
        String pooled = ClassifierHead.pool(g, encoder.hiddenOutput(), EncoderModel.ATTENTION_MASK, spec.pooling());
        if (headMask) {
            String mask;
            if (masks == MaskSource.RNG) {
                String key = g.op("Gather", List.of(MASK_KEYS, g.scalarLong(2L * targets.size())), Attr.i("axis", 0));
                mask = MaskRng.maskInGraph(g, key, elementIndex(g, pooled), spec.headDropout(), (float) (1.0 / (1.0 - spec.headDropout())));
            } else {
                mask = g.addInput(MASK_HEAD, Tensors.FLOAT, "rows", (long) encoder.hiddenSize());
            }
            pooled = g.op("Mul", pooled, mask);
        }
        int n = layout.entries().size();
        String logits = ClassifierHead.logits(g, pooled, paramValues.get(n - 2), paramValues.get(n - 1));
        return new Forward(g, targets, layout, paramValues, logits);
    }

    /** Int32 indices 0..n-1 shaped like {@code x}. */
    private static String elementIndex(Graph g, String x) {
        String shape = g.op("Shape", x);
        String size = g.cast(g.op("Size", x), Tensors.INT32);
        String range = g.op("Range", int32(g, 0), size, int32(g, 1));
        return g.op("Reshape", range, shape);
    }

    private static String int32(Graph g, int v) {
        return g.addInitializer(ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName(g.fresh("c"))
                .setDataType(Tensors.INT32).addInt32Data(v).build());
    }

    private static LoraSurgery.MaskSupplier maskSupplier(Graph g, LoraConfig lora, MaskSource source, int count) {
        float keep = (float) lora.keepValue();
        double p = lora.dropout();
        boolean sparse = lora.dropoutMode() == DropoutMode.SPARSE;
        if (source == MaskSource.EXPLICIT) {
            return new LoraSurgery.MaskSupplier() {
                @Override
                public String inputMask(int index, LinearModule m, String x) {
                    return g.addInput(maskIn(index), Tensors.FLOAT, "rows", sparse ? (Object) 1L : "seq", (long) m.inFeatures());
                }

                @Override
                public String outputMask(int index, LinearModule m, String branch) {
                    return sparse ? g.addInput(maskOut(index), Tensors.FLOAT, "rows", 1L, (long) m.outFeatures()) : null;
                }
            };
        }
        if (sparse && !hasInput(g, ROW_INSTANCE)) {
            g.addInput(ROW_INSTANCE, Tensors.INT32, "rows");
        }
        return new LoraSurgery.MaskSupplier() {
            @Override
            public String inputMask(int index, LinearModule m, String x) {
                String key = g.op("Gather", List.of(MASK_KEYS, g.scalarLong(2L * index)), Attr.i("axis", 0));
                String idx = sparse ? featureIndex(g, m.inFeatures()) : elementIndex(g, x);
                return MaskRng.maskInGraph(g, key, idx, p, keep);
            }

            @Override
            public String outputMask(int index, LinearModule m, String branch) {
                if (!sparse) {
                    return null;
                }
                String key = g.op("Gather", List.of(MASK_KEYS, g.scalarLong(2L * index + 1)), Attr.i("axis", 0));
                return MaskRng.maskInGraph(g, key, featureIndex(g, m.outFeatures()), p, keep);
            }
        };
    }

    /** {@code row_instance[r] * width + f}, shaped {@code [rows, 1, width]}: one mask per dropout instance. */
    private static String featureIndex(Graph g, int width) {
        String inst = g.unsqueeze(ROW_INSTANCE, 1, 2);
        String feats = g.op("Range", int32(g, 0), int32(g, width), int32(g, 1));
        return g.op("Add", g.op("Mul", inst, int32(g, width)), feats);
    }

    private static boolean hasInput(Graph g, String name) {
        return g.inputs().stream().anyMatch(v -> v.getName().equals(name));
    }

    /** The dequantized {@code [in, out]} weight of an int8 layer. */
    private static float[] dequantized(Graph g, LinearModule m) {
        for (QuantizedLinears.Match q : QuantizedLinears.find(g.nodes(), g.initializers())) {
            if (q.matMul().getName().equals(m.nodeName())) {
                return QuantizedLinears.dequantize(q, g.initializers());
            }
        }
        throw new IllegalStateException("No int8 Linear found at node " + m.nodeName() + " of module " + m.path());
    }

    /**
     * Folds each LoRA branch into its frozen weight: {@code W' = W + s·(BA)ᵀ} (or {@code s·BA} for [out, in] storage);
     * an int8 weight is dequantized, merged and requantized per output column.
     */
    private static void merge(Graph g, List<LinearModule> targets, List<Integer> which, ParameterLayout layout, float[] values,
                              double scaling) {
        for (int t : which) {
            LinearModule m = targets.get(t);
            TensorProto w = g.initializers().get(m.weight());
            if (m.isBlockQuantized()) {
                throw new IllegalStateException("4-bit layer " + m.path() + " keeps its LoRA update as a branch");
            }
            float[] wv = m.isInt8() ? dequantized(g, m) : Tensors.toFloats(w);
            float[] a = layout.get(values, layout.loraA(t).name());
            float[] b = layout.get(values, layout.loraB(t).name());
            int r = (int) layout.loraA(t).shape()[0];
            int in = m.inFeatures();
            int out = m.outFeatures();
            float[] merged = wv.clone();
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double s = 0;
                    for (int k = 0; k < r; k++) {
                        s += (double) b[o * r + k] * a[k * in + i];
                    }
                    int idx = m.weightTransposed() ? o * in + i : i * out + o;
                    merged[idx] = (float) (wv[idx] + scaling * s);
                }
            }
            if (m.isInt8()) {
                requantize(g, m, merged);
                continue;
            }
            String name = g.addInitializer(Tensors.floats(g.fresh("merged_weight"), Tensors.dims(w), merged));
            // Point only this layer's node at the merged copy: exports may share one initializer between layers.
            for (int i = 0; i < g.size(); i++) {
                NodeProto n = g.nodes().get(i);
                if (n.getName().equals(m.nodeName())) {
                    g.setNode(i, n.toBuilder().setInput(1, name).build());
                }
            }
        }
        java.util.Set<String> used = new java.util.HashSet<>();
        for (NodeProto n : g.nodes()) {
            used.addAll(n.getInputList());
        }
        for (int t : which) {
            LinearModule m = targets.get(t);
            if (!used.contains(m.weight())) {
                g.removeInitializer(m.weight());
            }
        }
    }

    /** Points an int8 layer at a requantized merged weight (per output column, zero point 0). */
    private static void requantize(Graph g, LinearModule m, float[] merged) {
        int[] q = new int[merged.length];
        float[] scale = QuantizedLinears.quantizePerColumn(merged, m.inFeatures(), m.outFeatures(), q);
        String wq = g.addInitializer(QuantizedLinears.int8s(g.fresh("merged_weight_int8"),
                new long[]{m.inFeatures(), m.outFeatures()}, q));
        String zp = g.addInitializer(QuantizedLinears.int8s(g.fresh("merged_weight_zero_point"),
                new long[]{m.outFeatures()}, new int[m.outFeatures()]));
        String sc = g.addInitializer(Tensors.floats(g.fresh("merged_weight_scale"), new long[]{m.outFeatures()}, scale));
        for (int i = 0; i < g.size(); i++) {
            NodeProto n = g.nodes().get(i);
            if (n.getName().equals(m.nodeName())) {
                NodeProto.Builder b = n.toBuilder().setInput(1, wq);
                if (b.getInputCount() > 3) {
                    b.setInput(3, zp);
                } else {
                    b.addInput(zp);
                }
                g.setNode(i, b.build());
            } else if (n.getName().equals(m.quantized().scaleMulNode())) {
                NodeProto.Builder b = n.toBuilder();
                for (int k = 0; k < b.getInputCount(); k++) {
                    if (b.getInput(k).equals(m.quantized().weightScale())) {
                        b.setInput(k, sc);
                    }
                }
                g.setNode(i, b.build());
            }
        }
    }
}
