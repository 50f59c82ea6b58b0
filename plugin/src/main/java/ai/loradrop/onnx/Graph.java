/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

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
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mutable ONNX graph with a small typed builder for new nodes.
 * <p>
 * New nodes are emitted in the form the model's default-domain opset requires (for example
 * {@code ReduceSum} axes as an attribute before opset 13 and as an input from 13 on), so that the existing nodes of
 * an imported model keep their meaning. Not thread-safe; build once, then serialize with {@link #toModel(String)}.
 */
public final class Graph {
    private final ModelProto template;
    private final int opset;
    private final List<NodeProto> nodes;
    private final LinkedHashMap<String, TensorProto> initializers;
    private final List<ValueInfoProto> inputs;
    private final List<ValueInfoProto> outputs;
    private final Set<String> names = new HashSet<>();
    private int counter = 0;
    private final String scope;

    /**
     * Wraps a model for editing.
     * @param model the model; its graph is copied.
     * @param scope a prefix for the names of new nodes and values.
     */
    public Graph(ModelProto model, String scope) {
        this.template = model;
        this.scope = scope;
        int o = -1;
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                o = (int) id.getVersion();
            }
        }
        if (o < 0) {
            throw new IllegalArgumentException("Model has no default-domain opset import");
        }
        this.opset = o;
        GraphProto g = model.getGraph();
        this.nodes = new ArrayList<>(g.getNodeList());
        this.initializers = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        this.inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!initializers.containsKey(v.getName())) {
                inputs.add(v);
            }
        }
        this.outputs = new ArrayList<>(g.getOutputList());
        for (NodeProto n : nodes) {
            names.addAll(n.getOutputList());
            names.add(n.getName());
        }
        names.addAll(initializers.keySet());
        for (ValueInfoProto v : inputs) {
            names.add(v.getName());
        }
    }

    /**
     * The default-domain opset version.
     * @return the opset.
     */
    public int opset() {
        return opset;
    }

    /**
     * The nodes, in topological order (a live, unmodifiable view).
     * @return the nodes.
     */
    public List<NodeProto> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /**
     * Replaces a node (same position).
     * @param index the node index.
     * @param node the new node.
     */
    public void setNode(int index, NodeProto node) {
        nodes.set(index, node);
        names.addAll(node.getOutputList());
    }

    /**
     * The initializers by name.
     * @return an unmodifiable view.
     */
    public Map<String, TensorProto> initializers() {
        return Collections.unmodifiableMap(initializers);
    }

    /**
     * The graph inputs that are not initializers.
     * @return an unmodifiable view.
     */
    public List<ValueInfoProto> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    /**
     * The graph outputs.
     * @return an unmodifiable view.
     */
    public List<ValueInfoProto> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    /**
     * Removes all graph outputs.
     */
    public void clearOutputs() {
        outputs.clear();
    }

    /**
     * Declares a graph output.
     * @param name the value name.
     * @param elemType the element type.
     */
    public void addOutput(String name, int elemType) {
        outputs.add(valueInfo(name, elemType, null));
    }

    /**
     * Declares a graph input with a symbolic or fixed shape.
     * @param name the input name.
     * @param elemType the element type.
     * @param dims dimensions: a {@code Long} for fixed, a {@code String} for symbolic.
     * @return the name.
     */
    public String addInput(String name, int elemType, Object... dims) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("Name already used in graph: " + name);
        }
        inputs.add(valueInfo(name, elemType, dims));
        return name;
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object[] dims) {
        TypeProto.Tensor.Builder tb = TypeProto.Tensor.newBuilder().setElemType(elemType);
        if (dims != null) {
            TensorShapeProto.Builder sb = TensorShapeProto.newBuilder();
            for (Object d : dims) {
                if (d instanceof String s) {
                    sb.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(s));
                } else {
                    sb.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
                }
            }
            tb.setShape(sb);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tb)).build();
    }

    /**
     * A fresh, unused value name.
     * @param hint a readable part of the name.
     * @return the name.
     */
    public String fresh(String hint) {
        String n;
        do {
            n = scope + hint + "_" + (counter++);
        } while (names.contains(n));
        names.add(n);
        return n;
    }

    /**
     * Adds or replaces an initializer.
     * @param t the tensor.
     * @return its name.
     */
    public String addInitializer(TensorProto t) {
        initializers.put(t.getName(), t);
        names.add(t.getName());
        return t.getName();
    }

    /**
     * Removes an initializer.
     * @param name its name.
     */
    public void removeInitializer(String name) {
        initializers.remove(name);
    }

    /**
     * Appends a node with one output.
     * @param op the operator type.
     * @param ins the input names ("" for an absent optional input).
     * @param attrs the attributes.
     * @return the output name.
     */
    public String op(String op, List<String> ins, AttributeProto... attrs) {
        return opN(op, "", ins, 1, attrs)[0];
    }

    /**
     * Appends a node with one output.
     * @param op the operator type.
     * @param ins the input names.
     * @return the output name.
     */
    public String op(String op, String... ins) {
        return op(op, Arrays.asList(ins));
    }

    /**
     * Appends a node.
     * @param op the operator type.
     * @param domain the operator domain ("" for ONNX).
     * @param ins the input names.
     * @param nOut the number of outputs.
     * @param attrs the attributes.
     * @return the output names.
     */
    public String[] opN(String op, String domain, List<String> ins, int nOut, AttributeProto... attrs) {
        String[] outs = new String[nOut];
        for (int i = 0; i < nOut; i++) {
            outs[i] = fresh(op);
        }
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setDomain(domain).setName(fresh("n_" + op))
                .addAllInput(ins).addAllOutput(Arrays.asList(outs));
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        nodes.add(b.build());
        return outs;
    }

    /**
     * Appends a prebuilt node.
     * @param node the node.
     */
    public void addNode(NodeProto node) {
        nodes.add(node);
        names.addAll(node.getOutputList());
        names.add(node.getName());
    }

    /**
     * Number of nodes.
     * @return the count.
     */
    public int size() {
        return nodes.size();
    }

    /**
     * Map from value name to the index of the node producing it.
     * @return the map.
     */
    public Map<String, Integer> producers() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                m.put(o, i);
            }
        }
        return m;
    }

    /**
     * Map from value name to the indices of the nodes consuming it.
     * @return the map.
     */
    public Map<String, List<Integer>> consumers() {
        Map<String, List<Integer>> m = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).getInputList()) {
                m.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
        }
        return m;
    }

    // ---- typed builder helpers -------------------------------------------------------------------------------

    /**
     * A float scalar constant (rank 0).
     * @param v the value.
     * @return its name.
     */
    public String scalar(float v) {
        return addInitializer(Tensors.floats(fresh("c"), new long[0], new float[]{v}));
    }

    /**
     * An int64 scalar constant (rank 0).
     * @param v the value.
     * @return its name.
     */
    public String scalarLong(long v) {
        return addInitializer(Tensors.longs(fresh("c"), new long[0], new long[]{v}));
    }

    /**
     * A 1-D int64 constant.
     * @param v the values.
     * @return its name.
     */
    public String longs(long... v) {
        return addInitializer(Tensors.longs(fresh("c"), new long[]{v.length}, v));
    }

    /**
     * A float constant.
     * @param dims its shape.
     * @param v the values.
     * @return its name.
     */
    public String floats(long[] dims, float[] v) {
        return addInitializer(Tensors.floats(fresh("c"), dims, v));
    }

    /**
     * ReduceSum over the given axes, in the opset's form.
     * @param x the input.
     * @param axes the axes.
     * @param keepDims whether reduced axes stay with size 1.
     * @return the output.
     */
    public String reduceSum(String x, long[] axes, boolean keepDims) {
        if (opset >= 13) {
            return op("ReduceSum", List.of(x, longs(axes)), Attr.i("keepdims", keepDims ? 1 : 0));
        }
        return op("ReduceSum", List.of(x), Attr.ints("axes", axes), Attr.i("keepdims", keepDims ? 1 : 0));
    }

    /**
     * ReduceMean over the given axes, in the opset's form.
     * @param x the input.
     * @param axes the axes.
     * @param keepDims whether reduced axes stay with size 1.
     * @return the output.
     */
    public String reduceMean(String x, long[] axes, boolean keepDims) {
        if (opset >= 18) {
            return op("ReduceMean", List.of(x, longs(axes)), Attr.i("keepdims", keepDims ? 1 : 0));
        }
        return op("ReduceMean", List.of(x), Attr.ints("axes", axes), Attr.i("keepdims", keepDims ? 1 : 0));
    }

    /**
     * Unsqueeze, in the opset's form.
     * @param x the input.
     * @param axes the axes to insert.
     * @return the output.
     */
    public String unsqueeze(String x, long... axes) {
        if (opset >= 13) {
            return op("Unsqueeze", List.of(x, longs(axes)));
        }
        return op("Unsqueeze", List.of(x), Attr.ints("axes", axes));
    }

    /**
     * Squeeze, in the opset's form.
     * @param x the input.
     * @param axes the axes to remove.
     * @return the output.
     */
    public String squeeze(String x, long... axes) {
        if (opset >= 13) {
            return op("Squeeze", List.of(x, longs(axes)));
        }
        return op("Squeeze", List.of(x), Attr.ints("axes", axes));
    }

    /**
     * Transpose with a permutation.
     * @param x the input.
     * @param perm the permutation.
     * @return the output.
     */
    public String transpose(String x, long... perm) {
        return op("Transpose", List.of(x), Attr.ints("perm", perm));
    }

    /**
     * Cast to an element type.
     * @param x the input.
     * @param to the ONNX element type.
     * @return the output.
     */
    public String cast(String x, int to) {
        return op("Cast", List.of(x), Attr.i("to", to));
    }

    /**
     * Reshape to the shape of another value ({@code Reshape(x, Shape(like))}).
     * @param x the input.
     * @param like the value whose shape to take.
     * @return the output.
     */
    public String reshapeLike(String x, String like) {
        return op("Reshape", x, op("Shape", like));
    }

    /**
     * Builds the model: the template's metadata and opsets with this graph.
     * @param graphName the graph name.
     * @return the model.
     */
    public ModelProto toModel(String graphName) {
        GraphProto.Builder g = GraphProto.newBuilder().setName(graphName)
                .addAllNode(nodes)
                .addAllInitializer(initializers.values())
                .addAllInput(inputs)
                .addAllOutput(outputs);
        ModelProto.Builder m = template.toBuilder().setGraph(g);
        boolean contrib = nodes.stream().anyMatch(n -> n.getDomain().equals(CONTRIB_DOMAIN));
        return contrib ? withContribDomain(m.build()) : m.build();
    }

    /** The domain of ONNX Runtime's contrib operators ({@code FusedMatMul}, {@code MatMulNBits}, ...). */
    public static final String CONTRIB_DOMAIN = "com.microsoft";
    /** The version of {@link #CONTRIB_DOMAIN} that models written here import. */
    public static final int CONTRIB_DOMAIN_VERSION = 1;

    /**
     * The model with the {@link #CONTRIB_DOMAIN} opset imported (unchanged when it already is).
     * @param model the model.
     * @return the model.
     */
    public static ModelProto withContribDomain(ModelProto model) {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().equals(CONTRIB_DOMAIN)) {
                return model;
            }
        }
        return model.toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(CONTRIB_DOMAIN)
                .setVersion(CONTRIB_DOMAIN_VERSION)).build();
    }

    /**
     * Sorts the nodes topologically, keeping the current order wherever it is already valid. Needed after graph
     * surgery appends nodes whose outputs earlier nodes consume.
     * @throws IllegalStateException when the graph has a cycle.
     */
    public void topoSort() {
        Set<String> available = new HashSet<>(initializers.keySet());
        for (ValueInfoProto v : inputs) {
            available.add(v.getName());
        }
        available.add("");
        List<NodeProto> pending = new ArrayList<>(nodes);
        List<NodeProto> sorted = new ArrayList<>(nodes.size());
        // Producers of values, so that a value produced by no node (an outer input) does not block.
        Set<String> produced = new HashSet<>();
        for (NodeProto n : nodes) {
            produced.addAll(n.getOutputList());
        }
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            List<NodeProto> next = new ArrayList<>();
            for (NodeProto n : pending) {
                boolean ready = true;
                for (String in : n.getInputList()) {
                    if (!available.contains(in) && produced.contains(in)) {
                        ready = false;
                        break;
                    }
                }
                if (ready) {
                    sorted.add(n);
                    available.addAll(n.getOutputList());
                    progress = true;
                } else {
                    next.add(n);
                }
            }
            pending = next;
        }
        if (!pending.isEmpty()) {
            throw new IllegalStateException("Graph has a cycle through node '" + pending.get(0).getName() + "'");
        }
        nodes.clear();
        nodes.addAll(sorted);
    }

    /**
     * Removes nodes by index.
     * @param indices the node indices.
     */
    public void removeNodes(java.util.Collection<Integer> indices) {
        java.util.List<Integer> sorted = new java.util.ArrayList<>(indices);
        sorted.sort(java.util.Collections.reverseOrder());
        for (int i : sorted) {
            nodes.remove(i);
        }
    }
}
