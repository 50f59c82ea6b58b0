/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * For programs that read only the first token of the encoder's output ({@code FIRST_TOKEN} pooling, the [CLS] vector):
 * the last layer's attention is computed for the first query position alone, and so are its output projection, its
 * residual connections, its LayerNorms and its feed-forward block. Keys and values keep every position. In a
 * post-LayerNorm encoder (BERT and its exports) that removes about nine twelfths of the last layer's matrix work and
 * all but one row of its elementwise work, in training (forward and backward) and in prediction, and leaves the
 * first token's output unchanged: no other position of the last layer reaches it.
 * <p>
 * The rewrite slices positions {@code [0, 1)} of axis 1 from the query value that the attention reshapes into heads and
 * from the layer input where the attention block's residual {@code Add} reads it; a mask on the scores with a query
 * axis ({@code [batch, 1, seq, seq]}) keeps its first query row, and a reshape target computed from the layer
 * input's shape (newer TorchScript exports) is computed again from its first position. It applies only when the
 * last layer has that shape: a {@code Softmax} fed by a {@code MatMul} of queries and keys, a query value reshaped
 * into heads, a residual {@code Add} of the layer input that the query projection reads, and nothing else read after
 * the scores that is computed outside the attention block and could carry the sequence length. Otherwise the graph
 * is left as it is, the reason is logged at {@code FINE}, and the caller gets {@code false}. The README's performance
 * section has the measured gains.
 */
public final class FirstTokenPruning {
    private static final Logger logger = Logger.getLogger(FirstTokenPruning.class.getName());

    private FirstTokenPruning() {}

    /**
     * Prunes the last layer of an encoder graph to its first position, when its shape allows (see the class comment).
     * @param g the graph (LoRA branches may already be attached).
     * @param hidden the encoder's output value {@code [batch, seq, hidden]} whose first position is all that is read.
     * @return whether the graph was rewritten.
     */
    public static boolean apply(Graph g, String hidden) {
        if (g.opset() < 11) {
            return false;  // Slice takes its bounds as inputs from opset 10, negative axes from 11.
        }
        Map<String, Integer> producers = g.producers();
        Map<String, List<Integer>> consumers = g.consumers();
        List<NodeProto> nodes = g.nodes();
        Set<Integer> upstream = ancestors(nodes, producers, hidden);
        int softmax = -1;
        for (int i : upstream) {
            if (nodes.get(i).getOpType().equals("Softmax") && i > softmax) {
                softmax = i;
            }
        }
        if (softmax < 0) {
            return skip("no Softmax before the output");
        }
        // The scores: Softmax ← (Add mask | Div scale | Mul scale | Where)* ← MatMul(queries, keysᵀ).
        Integer scores = producers.get(nodes.get(softmax).getInput(0));
        Set<String> scoreChainSide = new HashSet<>();
        List<Integer> scoreChain = new ArrayList<>();
        for (int hop = 0; scores != null && hop < 4 && !isMatMul(nodes.get(scores)); hop++) {
            NodeProto n = nodes.get(scores);
            scoreChain.add(scores);
            if (!Set.of("Add", "Div", "Mul", "Sub", "Where").contains(n.getOpType())) {
                return skip("the last Softmax reads '" + n.getName() + "' (" + n.getOpType() + ")");
            }
            Integer next = null;
            for (String in : n.getInputList()) {
                Integer p = producers.get(in);
                if (p != null && next == null && leadsToMatMul(nodes, producers, p, 3)) {
                    next = p;
                } else {
                    scoreChainSide.add(in);
                }
            }
            scores = next;
        }
        if (scores == null || !isMatMul(nodes.get(scores))) {
            return skip("no MatMul of queries and keys before the last Softmax");
        }
        NodeProto s = nodes.get(scores);
        // The query value: MatMul input 0 ← (Transpose | Mul | Div)* ← Reshape(q, heads).
        Integer p = producers.get(s.getInput(0));
        while (p != null && Set.of("Transpose", "Mul", "Div").contains(nodes.get(p).getOpType())) {
            p = producers.get(nodes.get(p).getInput(0));
        }
        if (p == null || !nodes.get(p).getOpType().equals("Reshape")) {
            return skip("the queries of '" + s.getName() + "' are not reshaped into heads");
        }
        int queryReshape = p;
        String q = nodes.get(p).getInput(0);
        Set<Integer> keySide = ancestors(nodes, producers, s.getInput(1));
        Integer qProducer = producers.get(q);
        if (qProducer == null || keySide.contains(qProducer)) {
            return skip("the keys of '" + s.getName() + "' depend on its queries");
        }
        // Everything the scores reach, and the first value outside it that a residual Add there reads and that the
        // query projection reads directly (the mask, say, reaches the queries only through earlier layers): the layer
        // input.
        Set<Integer> after = descendants(nodes, consumers, scores);
        Set<Integer> queryOnly = ancestors(nodes, producers, q);
        queryOnly.removeAll(keySide);
        String layerInput = null;
        int residual = -1;
        for (int i = scores + 1; i < nodes.size() && layerInput == null; i++) {
            NodeProto n = nodes.get(i);
            if (!after.contains(i) || !n.getOpType().equals("Add") || n.getInputCount() != 2) {
                continue;
            }
            for (int k = 0; k < 2; k++) {
                Integer pk = producers.get(n.getInput(k));
                Integer po = producers.get(n.getInput(1 - k));
                boolean readByQueries = readByQueries(nodes, consumers, n.getInput(k), queryOnly);
                if (pk != null && !after.contains(pk) && readByQueries && po != null && after.contains(po)) {
                    layerInput = n.getInput(k);
                    residual = i;
                }
            }
        }
        if (layerInput == null) {
            return skip("no residual Add of the layer input after '" + s.getName() + "'");
        }
        // Values from outside that the pruned part reads must not carry the sequence length, except the layer input
        // (sliced), the attention values (the context MatMul's right operand) and the mask on the scores.
        Integer context = null;
        for (int c : consumers.getOrDefault(nodes.get(softmax).getOutput(0), List.of())) {
            if (isMatMul(nodes.get(c)) && nodes.get(c).getInput(0).equals(nodes.get(softmax).getOutput(0))) {
                context = c;
            }
        }
        if (context == null) {
            return skip("the last Softmax does not feed a MatMul with the values");
        }
        List<int[]> shapeReads = new ArrayList<>();
        for (int i : after) {
            if (i == scores) {
                continue;  // its inputs are the queries (sliced) and the keys (every position)
            }
            NodeProto n = nodes.get(i);
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                Integer pi = producers.get(in);
                // The cheap tests first: constantOnly walks up the graph.
                boolean allowed = scoreChainSide.contains(in) || in.equals(layerInput) && i == residual
                        || i == context && k == 1
                        || (pi == null ? isInitializer(g, in) : after.contains(pi) || constantOnly(g, nodes, producers, pi));
                if (!allowed) {
                    if (!fromShapeOf(g, nodes, producers, pi, layerInput)) {
                        return skip("'" + n.getName() + "' reads '" + in + "' from outside the pruned part");
                    }
                    shapeReads.add(new int[]{i, k});
                }
            }
        }
        // The heads reshape's target: constant, from the query value's own shape (which follows it), or from the
        // layer input's shape (copied for the first position below).
        String target = nodes.get(queryReshape).getInputCount() > 1 ? nodes.get(queryReshape).getInput(1) : "";
        Integer tp = producers.get(target);
        boolean targetFromLayerInput = false;
        if (tp != null && !constantOnly(g, nodes, producers, tp) && !fromShapeOf(g, nodes, producers, tp, q)) {
            if (!fromShapeOf(g, nodes, producers, tp, layerInput)) {
                return skip("the heads reshape of the queries takes its shape from '" + target + "'");
            }
            targetFromLayerInput = true;
        }
        String qFirst = firstPosition(g, q);
        String hFirst = firstPosition(g, layerInput);
        // A shape computed from the layer input (a reshape target such as [batch, seq, hidden]) is computed again
        // from its first position.
        Map<String, String> copies = new HashMap<>();
        // A mask on the scores may have a query axis ([batch, 1, seq, seq] in newer exports): its first query row.
        for (int i : scoreChain) {
            NodeProto n = g.nodes().get(i);
            for (int k = 0; k < n.getInputCount(); k++) {
                Integer pk = producers.get(n.getInput(k));
                boolean outside = pk == null ? !isInitializer(g, n.getInput(k))
                        : !after.contains(pk) && !constantOnly(g, nodes, producers, pk);
                if (scoreChainSide.contains(n.getInput(k)) && outside) {
                    String first = g.op("Slice", n.getInput(k), g.longs(0), g.longs(1), g.longs(-2));
                    g.setNode(i, g.nodes().get(i).toBuilder().setInput(k, first).build());
                }
            }
        }
        if (targetFromLayerInput) {
            shapeReads.add(new int[]{queryReshape, 1});
        }
        for (int[] r : shapeReads) {
            NodeProto n = g.nodes().get(r[0]);
            String copy = copyFromFirstPosition(g, nodes, producers, n.getInput(r[1]), layerInput, hFirst, copies);
            g.setNode(r[0], n.toBuilder().setInput(r[1], copy).build());
        }
        for (int c : consumers.getOrDefault(q, List.of())) {
            g.setNode(c, replaceInput(g.nodes().get(c), q, qFirst));
        }
        g.setNode(residual, replaceInput(g.nodes().get(residual), layerInput, hFirst));
        g.topoSort();
        logger.fine("Pruned the last layer to the first position (queries '" + q + "', residual '" + layerInput + "')");
        return true;
    }

    /**
     * Whether the query projection reads a value directly, or through the {@code DynamicQuantizeLinear} that an int8
     * export shares between the query, key and value projections.
     */
    private static boolean readByQueries(List<NodeProto> nodes, Map<String, List<Integer>> consumers, String x,
                                         Set<Integer> queryOnly) {
        for (int c : consumers.getOrDefault(x, List.of())) {
            if (queryOnly.contains(c)) {
                return true;
            }
            if (nodes.get(c).getOpType().equals("DynamicQuantizeLinear")) {
                for (String o : nodes.get(c).getOutputList()) {
                    if (consumers.getOrDefault(o, List.of()).stream().anyMatch(queryOnly::contains)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean skip(String why) {
        logger.fine("Not pruning the last layer to its first position: " + why);
        return false;
    }

    private static String firstPosition(Graph g, String x) {
        return g.op("Slice", x, g.longs(0), g.longs(1), g.longs(1));
    }

    private static NodeProto replaceInput(NodeProto n, String from, String to) {
        NodeProto.Builder b = n.toBuilder();
        for (int i = 0; i < b.getInputCount(); i++) {
            if (b.getInput(i).equals(from)) {
                b.setInput(i, to);
            }
        }
        return b.build();
    }

    private static boolean isMatMul(NodeProto n) {
        return n.getOpType().equals("MatMul") && n.getDomain().isEmpty();
    }

    private static boolean leadsToMatMul(List<NodeProto> nodes, Map<String, Integer> producers, int i, int depth) {
        if (isMatMul(nodes.get(i))) {
            return true;
        }
        if (depth == 0) {
            return false;
        }
        for (String in : nodes.get(i).getInputList()) {
            Integer p = producers.get(in);
            if (p != null && leadsToMatMul(nodes, producers, p, depth - 1)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a node's value is computed from constants and the shape of {@code x} alone (and depends on that shape). */
    private static boolean fromShapeOf(Graph g, List<NodeProto> nodes, Map<String, Integer> producers, int i, String x) {
        NodeProto n = nodes.get(i);
        if (n.getOpType().equals("Shape")) {
            return n.getInput(0).equals(x);
        }
        if (n.getInputCount() == 0) {
            return false;
        }
        boolean shaped = false;
        for (String in : n.getInputList()) {
            Integer p = producers.get(in);
            if (p == null) {
                if (!isInitializer(g, in)) {
                    return false;  // a graph input
                }
            } else if (fromShapeOf(g, nodes, producers, p, x)) {
                shaped = true;
            } else if (!constantOnly(g, nodes, producers, p)) {
                return false;
            }
        }
        return shaped;
    }

    /** A copy of the subgraph computing {@code v} from the shape of {@code x}, reading {@code xFirst} instead. */
    private static String copyFromFirstPosition(Graph g, List<NodeProto> nodes, Map<String, Integer> producers, String v,
                                                String x, String xFirst, Map<String, String> copies) {
        if (v.equals(x)) {
            return xFirst;
        }
        Integer p = producers.get(v);
        if (p == null || copies.containsKey(v) || constantOnly(g, nodes, producers, p)) {
            return copies.getOrDefault(v, v);
        }
        NodeProto n = nodes.get(p);
        NodeProto.Builder b = n.toBuilder().clearOutput().setName(g.fresh(n.getName() + "_first"));
        for (int k = 0; k < n.getInputCount(); k++) {
            b.setInput(k, copyFromFirstPosition(g, nodes, producers, n.getInput(k), x, xFirst, copies));
        }
        for (String o : n.getOutputList()) {
            String c = g.fresh(o + "_first");
            copies.put(o, c);
            b.addOutput(c);
        }
        g.addNode(b.build());
        return copies.get(v);
    }

    /** Whether a node's value is computed from constants alone (Constant nodes, initializers). */
    private static boolean constantOnly(Graph g, List<NodeProto> nodes, Map<String, Integer> producers, int i) {
        NodeProto n = nodes.get(i);
        if (n.getOpType().equals("Constant")) {
            return true;
        }
        if (n.getOpType().equals("Shape") || n.getInputCount() == 0) {
            return false;
        }
        for (String in : n.getInputList()) {
            Integer p = producers.get(in);
            if (p == null ? !isInitializer(g, in) : !constantOnly(g, nodes, producers, p)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a value no node produces is an initializer (or an omitted optional input), not a graph input. */
    private static boolean isInitializer(Graph g, String v) {
        return v.isEmpty() || g.initializers().containsKey(v);
    }

    private static Set<Integer> ancestors(List<NodeProto> nodes, Map<String, Integer> producers, String value) {
        Set<Integer> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(value));
        while (!todo.isEmpty()) {
            Integer p = producers.get(todo.pop());
            if (p != null && seen.add(p)) {
                todo.addAll(nodes.get(p).getInputList());
            }
        }
        return seen;
    }

    private static Set<Integer> descendants(List<NodeProto> nodes, Map<String, List<Integer>> consumers, int from) {
        Set<Integer> seen = new HashSet<>();
        ArrayDeque<Integer> todo = new ArrayDeque<>(List.of(from));
        while (!todo.isEmpty()) {
            int i = todo.pop();
            if (seen.add(i)) {
                for (String o : nodes.get(i).getOutputList()) {
                    todo.addAll(consumers.getOrDefault(o, List.of()));
                }
            }
        }
        return seen;
    }
}
