/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes a prediction graph valid standard ONNX, as {@code onnx.checker.check_model(model, full_check=True)} demands,
 * for serving stacks other than ONNX Runtime:
 * <ul>
 *   <li>{@code LayerNormalization} (from LoRA-Drop's LayerNorm fusion) exists from opset 17 on; under an older
 *       default-domain opset import (MiniLM's export is opset 11) each one is written back in the decomposed form
 *       the exporters use ({@code ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add}), which means the same
 *       under every opset and which ONNX Runtime fuses again when it loads the model. Raising the opset import
 *       instead would change the meaning of the encoder's own nodes (Softmax, ReduceSum, Squeeze, Unsqueeze and
 *       Split changed at opset 13).</li>
 *   <li>Nodes that no graph output depends on (the constants the fusion left behind, the encoder's pooler) and the
 *       initializers no node reads are dropped, so that ONNX Runtime has nothing to remove (and warn about) when it
 *       loads the model.</li>
 *   <li>The outputs declare their shape: {@code [batch, classes]}, {@code batch} being the first dimension of
 *       {@code input_ids}.</li>
 * </ul>
 */
final class OnnxConformance {
    /** The first default-domain opset with {@code LayerNormalization}. */
    static final int LAYER_NORMALIZATION_OPSET = 17;

    private OnnxConformance() {}

    /**
     * The conforming model.
     * @param m the prediction model.
     * @param numClasses the width of every output.
     * @return the model with unfused LayerNorms (below opset 17), without dead nodes and initializers, and with
     *         output shapes.
     */
    static ModelProto conform(ModelProto m, int numClasses) {
        GraphProto g = m.getGraph();
        List<NodeProto> nodes = new ArrayList<>(g.getNodeList());
        List<TensorProto> inits = new ArrayList<>(g.getInitializerList());
        if (defaultOpset(m) < LAYER_NORMALIZATION_OPSET) {
            Names names = new Names(g);
            List<NodeProto> out = new ArrayList<>(nodes.size());
            for (NodeProto n : nodes) {
                if (n.getOpType().equals("LayerNormalization") && n.getDomain().isEmpty()) {
                    out.addAll(decompose(n, names, inits));
                } else {
                    out.add(n);
                }
            }
            nodes = out;
        }
        nodes = liveNodes(nodes, g.getOutputList());
        Set<String> read = new HashSet<>();
        for (NodeProto n : nodes) {
            collectInputs(n, read);
        }
        g.getOutputList().forEach(o -> read.add(o.getName()));
        inits.removeIf(t -> !read.contains(t.getName()));
        Set<String> initNames = new HashSet<>();
        inits.forEach(t -> initNames.add(t.getName()));
        Set<String> produced = new HashSet<>(initNames);
        nodes.forEach(n -> produced.addAll(n.getOutputList()));

        TensorShapeProto.Dimension batch = batchDimension(g);
        GraphProto.Builder b = g.toBuilder().clearNode().addAllNode(nodes).clearInitializer().addAllInitializer(inits);
        // Inputs that are initializers (older IR versions list them) go with their initializer.
        List<ValueInfoProto> inputs = new ArrayList<>(g.getInputList());
        Set<String> initInputs = new HashSet<>();
        g.getInitializerList().forEach(t -> initInputs.add(t.getName()));
        inputs.removeIf(v -> initInputs.contains(v.getName()) && !initNames.contains(v.getName()));
        b.clearInput().addAllInput(inputs);
        List<ValueInfoProto> infos = new ArrayList<>(g.getValueInfoList());
        infos.removeIf(v -> !produced.contains(v.getName()));
        b.clearValueInfo().addAllValueInfo(infos);
        b.clearOutput();
        for (ValueInfoProto o : g.getOutputList()) {
            TypeProto.Tensor.Builder t = o.getType().getTensorType().toBuilder().setShape(TensorShapeProto.newBuilder()
                    .addDim(batch).addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(numClasses)));
            b.addOutput(o.toBuilder().setType(TypeProto.newBuilder().setTensorType(t)));
        }
        return m.toBuilder().setGraph(b).build();
    }

    /** The default-domain opset version of a model. */
    static int defaultOpset(ModelProto m) {
        for (OperatorSetIdProto id : m.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return (int) id.getVersion();
            }
        }
        throw new IllegalArgumentException("The model has no default-domain opset import");
    }

    /** The first dimension of {@code input_ids} ({@code batch} when it declares none). */
    private static TensorShapeProto.Dimension batchDimension(GraphProto g) {
        for (ValueInfoProto v : g.getInputList()) {
            if (v.getName().equals(EncoderModel.INPUT_IDS) && v.getType().getTensorType().getShape().getDimCount() > 0) {
                TensorShapeProto.Dimension d = v.getType().getTensorType().getShape().getDim(0);
                if (d.hasDimParam() || d.hasDimValue()) {
                    return d.toBuilder().clearDenotation().build();
                }
            }
        }
        return TensorShapeProto.Dimension.newBuilder().setDimParam("batch").build();
    }

    /** The nodes some graph output depends on, in their order. */
    private static List<NodeProto> liveNodes(List<NodeProto> nodes, List<ValueInfoProto> outputs) {
        Set<String> needed = new HashSet<>();
        outputs.forEach(o -> needed.add(o.getName()));
        boolean[] live = new boolean[nodes.size()];
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            for (String o : n.getOutputList()) {
                if (needed.contains(o)) {
                    live[i] = true;
                    break;
                }
            }
            if (live[i]) {
                collectInputs(n, needed);
            }
        }
        List<NodeProto> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (live[i]) {
                out.add(nodes.get(i));
            }
        }
        return out;
    }

    /** The values a node reads, including those its subgraphs (If, Loop, Scan bodies) read from outer scope. */
    private static void collectInputs(NodeProto n, Set<String> into) {
        into.addAll(n.getInputList());
        for (AttributeProto a : n.getAttributeList()) {
            List<GraphProto> subgraphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                subgraphs.add(a.getG());
            }
            for (GraphProto sg : subgraphs) {
                sg.getNodeList().forEach(sn -> collectInputs(sn, into));
                sg.getOutputList().forEach(o -> into.add(o.getName()));
            }
        }
    }

    /**
     * {@code LayerNormalization(X, scale[, bias])} over the last axis as the decomposed form
     * {@code (X − mean) / sqrt(var + ε) · scale + bias}, ReduceMean with its axes as an attribute (opsets before 18).
     */
    private static List<NodeProto> decompose(NodeProto ln, Names names, List<TensorProto> inits) {
        long axis = Attr.getInt(ln, "axis", -1);
        if (axis != -1 || ln.getOutputCount() != 1 || ln.getInputCount() < 2) {
            throw new IllegalStateException("Cannot write LayerNormalization node '" + ln.getName() + "' (axis " + axis + ", "
                    + ln.getOutputCount() + " outputs) in the form of opsets before " + LAYER_NORMALIZATION_OPSET);
        }
        float eps = Attr.getFloat(ln, "epsilon", 1e-5f);
        String base = ln.getName().isEmpty() ? "/loradrop/layernorm" : ln.getName();
        String x = ln.getInput(0);
        String two = names.fresh(base + "/two");
        inits.add(Tensors.floats(two, new long[0], new float[]{2f}));
        String epsilon = names.fresh(base + "/epsilon");
        inits.add(Tensors.floats(epsilon, new long[0], new float[]{eps}));
        List<NodeProto> out = new ArrayList<>();
        String mean = add(out, names, base, "ReduceMean", List.of(x), Attr.ints("axes", -1), Attr.i("keepdims", 1));
        String d = add(out, names, base, "Sub", List.of(x, mean));
        String sq = add(out, names, base, "Pow", List.of(d, two));
        String var = add(out, names, base, "ReduceMean", List.of(sq), Attr.ints("axes", -1), Attr.i("keepdims", 1));
        String shifted = add(out, names, base, "Add", List.of(var, epsilon));
        String std = add(out, names, base, "Sqrt", List.of(shifted));
        String normed = add(out, names, base, "Div", List.of(d, std));
        boolean bias = ln.getInputCount() > 2 && !ln.getInput(2).isEmpty();
        String scaled = bias ? add(out, names, base, "Mul", List.of(normed, ln.getInput(1))) : null;
        NodeProto.Builder last = NodeProto.newBuilder().setName(names.fresh(base + "/" + (bias ? "Add" : "Mul")))
                .setOpType(bias ? "Add" : "Mul").addOutput(ln.getOutput(0));
        if (bias) {
            last.addInput(scaled).addInput(ln.getInput(2));
        } else {
            last.addInput(normed).addInput(ln.getInput(1));
        }
        out.add(last.build());
        return out;
    }

    private static String add(List<NodeProto> out, Names names, String base, String op, List<String> inputs,
                              AttributeProto... attrs) {
        String name = names.fresh(base + "/" + op);
        String value = names.fresh(name + "_output_0");
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(value);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        out.add(n.build());
        return value;
    }

    /** Fresh node and value names, unique in the graph. */
    private static final class Names {
        private final Set<String> used = new HashSet<>();

        Names(GraphProto g) {
            for (NodeProto n : g.getNodeList()) {
                used.add(n.getName());
                used.addAll(n.getOutputList());
            }
            g.getInitializerList().forEach(t -> used.add(t.getName()));
            g.getInputList().forEach(v -> used.add(v.getName()));
        }

        String fresh(String stem) {
            String s = stem;
            for (int i = 1; !used.add(s); i++) {
                s = stem + "_" + i;
            }
            return s;
        }
    }
}
