/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One reverse-mode gradient rule per ONNX operator, written in standard ONNX operators (ONNX Runtime's standard
 * build has no {@code *Grad} kernels).
 * <p>
 * A rule receives the forward node and the gradients of its outputs (null for an output without gradient) and returns
 * the gradients of its inputs (null where none is needed).
 */
public final class GradientRules {
    private GradientRules() {}

    /**
     * A gradient rule for one operator type.
     */
    @FunctionalInterface
    public interface Rule {
        /**
         * Builds the input gradients.
         * @param ctx the context.
         * @param node the forward node.
         * @param dOut the gradient of each output (null when none).
         * @return the gradient of each input (null when not needed).
         */
        String[] apply(GradientContext ctx, NodeProto node, String[] dOut);
    }

    private static final Map<String, Rule> RULES = new TreeMap<>();

    static {
        RULES.put("Identity", (c, n, d) -> only(n, 0, d[0]));
        RULES.put("Add", GradientRules::add);
        RULES.put("Sub", GradientRules::sub);
        RULES.put("Mul", GradientRules::mul);
        RULES.put("Div", GradientRules::div);
        RULES.put("Neg", (c, n, d) -> only(n, 0, c.graph().op("Neg", d[0])));
        RULES.put("Pow", GradientRules::pow);
        RULES.put("Sqrt", (c, n, d) -> only(n, 0, c.graph().op("Div", c.graph().op("Mul", d[0], half(c, n)), n.getOutput(0))));
        RULES.put("Exp", (c, n, d) -> only(n, 0, c.graph().op("Mul", d[0], n.getOutput(0))));
        RULES.put("Log", (c, n, d) -> only(n, 0, c.graph().op("Div", d[0], n.getInput(0))));
        RULES.put("Erf", GradientRules::erf);
        RULES.put("Tanh", GradientRules::tanh);
        RULES.put("Sigmoid", GradientRules::sigmoid);
        RULES.put("Relu", GradientRules::relu);
        RULES.put("Softmax", GradientRules::softmax);
        RULES.put("LogSoftmax", GradientRules::logSoftmax);
        RULES.put("MatMul", GradientRules::matmul);
        RULES.put("Gemm", GradientRules::gemm);
        RULES.put("Reshape", GradientRules::reshapeBack);
        RULES.put("Flatten", GradientRules::reshapeBack);
        RULES.put("Squeeze", GradientRules::reshapeBack);
        RULES.put("Unsqueeze", GradientRules::reshapeBack);
        RULES.put("Transpose", GradientRules::transpose);
        RULES.put("Cast", GradientRules::cast);
        RULES.put("Expand", (c, n, d) -> only(n, 0, c.sumTo(n, d[0], n.getOutput(0), n.getInput(0))));
        RULES.put("Where", GradientRules::where);
        RULES.put("ReduceSum", (c, n, d) -> reduce(c, n, d, false));
        RULES.put("ReduceMean", (c, n, d) -> reduce(c, n, d, true));
        RULES.put("LayerNormalization", GradientRules::layerNorm);
        RULES.put("Concat", GradientRules::concat);
        RULES.put("Slice", GradientRules::slice);
        RULES.put("Gather", GradientRules::gather);
    }

    /**
     * The rule for an operator.
     * @param opType the operator type.
     * @return the rule, or null when none exists.
     */
    public static Rule rule(String opType) {
        return RULES.get(opType);
    }

    /**
     * The operators that have a rule.
     * @return their names, sorted.
     */
    public static List<String> supportedOps() {
        return new ArrayList<>(RULES.keySet());
    }

    private static String[] only(NodeProto n, int index, String g) {
        String[] out = new String[n.getInputCount()];
        out[index] = g;
        return out;
    }

    private static String half(GradientContext c, NodeProto n) {
        return c.constant(n, n.getOutput(0), 0.5);
    }

    private static String[] add(GradientContext c, NodeProto n, String[] d) {
        String[] out = new String[2];
        for (int i = 0; i < 2; i++) {
            if (c.needs(n.getInput(i))) {
                out[i] = c.sumTo(n, d[0], n.getOutput(0), n.getInput(i));
            }
        }
        return out;
    }

    private static String[] sub(GradientContext c, NodeProto n, String[] d) {
        String[] out = new String[2];
        if (c.needs(n.getInput(0))) {
            out[0] = c.sumTo(n, d[0], n.getOutput(0), n.getInput(0));
        }
        if (c.needs(n.getInput(1))) {
            out[1] = c.sumTo(n, c.graph().op("Neg", d[0]), n.getOutput(0), n.getInput(1));
        }
        return out;
    }

    private static String[] mul(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String[] out = new String[2];
        for (int i = 0; i < 2; i++) {
            if (c.needs(n.getInput(i))) {
                out[i] = c.sumTo(n, g.op("Mul", d[0], n.getInput(1 - i)), n.getOutput(0), n.getInput(i));
            }
        }
        return out;
    }

    private static String[] div(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String[] out = new String[2];
        if (c.needs(n.getInput(0))) {
            out[0] = c.sumTo(n, g.op("Div", d[0], n.getInput(1)), n.getOutput(0), n.getInput(0));
        }
        if (c.needs(n.getInput(1))) {
            String t = g.op("Mul", d[0], g.op("Div", n.getOutput(0), n.getInput(1)));
            out[1] = c.sumTo(n, g.op("Neg", t), n.getOutput(0), n.getInput(1));
        }
        return out;
    }

    private static String[] pow(GradientContext c, NodeProto n, String[] d) {
        if (c.needs(n.getInput(1))) {
            throw new NoGradientRuleException("Pow", n.getName(), "the exponent depends on trainable parameters");
        }
        Graph g = c.graph();
        String x = n.getInput(0);
        String e = n.getInput(1);
        ValueMeta em = c.meta(n, e);
        int xt = c.elemType(n, x);
        Double constant = scalarConstant(c, e);
        if (constant != null && constant == 2.0) {
            // Decomposed LayerNorm squares its input: 2·x·dy, no generic pow kernel.
            String dx2 = g.op("Mul", g.op("Mul", d[0], x), c.constant(n, x, 2.0));
            return only(n, 0, c.sumTo(n, dx2, n.getOutput(0), x));
        }
        String ef = em.elemType() == xt ? e : g.cast(e, xt);
        String em1 = g.op("Sub", ef, c.constant(n, x, 1.0));
        String dx = g.op("Mul", g.op("Mul", d[0], ef), g.op("Pow", x, em1));
        // A broadcast exponent can make the result larger than x.
        return only(n, 0, c.sumTo(n, dx, n.getOutput(0), x));
    }

    /** The value of a scalar initializer, or null when {@code v} is not one. */
    private static Double scalarConstant(GradientContext c, String v) {
        return scalarConstant(c.graph(), v);
    }

    /** The value of a scalar initializer or Constant node of a graph, or null when {@code v} is not one. */
    static Double scalarConstant(Graph g, String v) {
        TensorProto t = g.initializers().get(v);
        if (t == null) {
            for (NodeProto p : g.nodes()) {
                if (p.getOpType().equals("Constant") && p.getOutput(0).equals(v) && Attr.find(p, "value").isPresent()) {
                    t = Attr.find(p, "value").get().getT();
                }
            }
        }
        if (t == null || Tensors.size(Tensors.dims(t)) != 1) {
            return null;
        }
        return switch (t.getDataType()) {
            case Tensors.FLOAT -> (double) Tensors.toFloats(t)[0];
            case Tensors.DOUBLE -> t.getRawData().isEmpty() ? t.getDoubleData(0)
                    : t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getDouble(0);
            case Tensors.INT64, Tensors.INT32 -> (double) Tensors.toLongs(t)[0];
            default -> null;
        };
    }

    private static String[] erf(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String x = n.getInput(0);
        String e = g.op("Exp", g.op("Neg", g.op("Mul", x, x)));
        return only(n, 0, g.op("Mul", d[0], g.op("Mul", e, c.constant(n, x, 2.0 / Math.sqrt(Math.PI)))));
    }

    private static String[] tanh(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String y = n.getOutput(0);
        return only(n, 0, g.op("Mul", d[0], g.op("Sub", c.constant(n, y, 1.0), g.op("Mul", y, y))));
    }

    private static String[] sigmoid(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String y = n.getOutput(0);
        return only(n, 0, g.op("Mul", d[0], g.op("Mul", y, g.op("Sub", c.constant(n, y, 1.0), y))));
    }

    private static String[] relu(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String mask = g.cast(g.op("Greater", n.getInput(0), c.constant(n, n.getInput(0), 0.0)), c.elemType(n, n.getInput(0)));
        return only(n, 0, g.op("Mul", d[0], mask));
    }

    private static long[] softmaxAxes(GradientContext c, NodeProto n) {
        int rank = c.meta(n, n.getInput(0)).rank();
        int opset = c.graph().opset();
        long axis = Attr.getInt(n, "axis", opset >= 13 ? -1 : 1);
        if (axis < 0) {
            axis += rank;
        }
        if (opset >= 13) {
            return new long[]{axis};
        }
        // Before opset 13 the input is coerced to 2-D at 'axis': the normalisation runs over every later axis.
        long[] axes = new long[(int) (rank - axis)];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = axis + i;
        }
        return axes;
    }

    private static String[] softmax(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String y = n.getOutput(0);
        String s = g.reduceSum(g.op("Mul", d[0], y), softmaxAxes(c, n), true);
        return only(n, 0, g.op("Mul", y, g.op("Sub", d[0], s)));
    }

    private static String[] logSoftmax(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String y = n.getOutput(0);
        String s = g.reduceSum(d[0], softmaxAxes(c, n), true);
        return only(n, 0, g.op("Sub", d[0], g.op("Mul", g.op("Exp", y), s)));
    }

    private static long[] swapLast(int rank) {
        long[] p = new long[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = i;
        }
        p[rank - 1] = rank - 2;
        p[rank - 2] = rank - 1;
        return p;
    }

    private static String[] matmul(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String a = n.getInput(0);
        String b = n.getInput(1);
        String y = n.getOutput(0);
        int ra = c.meta(n, a).rank();
        int rb = c.meta(n, b).rank();
        if (ra < 2 || rb < 2) {
            throw new NoGradientRuleException("MatMul", n.getName(), "1-D operands are not supported (ranks " + ra + ", " + rb + ")");
        }
        String[] out = new String[2];
        if (c.needs(a)) {
            String da = rb > 2 ? transposedMatMul(g, d[0], b, false, true) : g.op("MatMul", d[0], g.transpose(b, swapLast(rb)));
            out[0] = c.sumTo(n, da, y, a);
        }
        if (c.needs(b)) {
            if (rb == 2 && ra > 2) {
                // Weight-shaped operand: fold every batch axis into the rows, one MatMul instead of a batched one.
                long k = c.meta(n, a).shape()[ra - 1];
                long m = c.meta(n, y).shape()[ra - 1];
                String a2 = g.op("Reshape", a, g.longs(-1, k));
                String d2 = g.op("Reshape", d[0], g.longs(-1, m));
                // A skinny result ([k, m], m < k, such as a LoRA down-projection's [in, r]) runs several times faster
                // as (d2ᵀ · a2)ᵀ: ONNX Runtime's GEMM wants the wide side as its output columns (profiled: 1.2 vs 0.3 ms
                // for [2048, 384]ᵀ · [2048, 8]); the small transpose after it is free, or cancels against the next one.
                out[1] = m < k ? g.transpose(g.op("MatMul", g.transpose(d2, 1, 0), a2), 1, 0)
                        : g.op("MatMul", g.transpose(a2, 1, 0), d2);
            } else {
                String db = ra > 2 ? transposedMatMul(g, a, d[0], true, false) : g.op("MatMul", g.transpose(a, swapLast(ra)), d[0]);
                out[1] = c.sumTo(n, db, y, b);
            }
        }
        return out;
    }

    /**
     * {@code op(a) · op(b)} as one {@code com.microsoft:FusedMatMul}, where {@code op} swaps the last two axes when
     * asked. A batched operand of attention is itself the output of a forward {@code Transpose}; ONNX Runtime merges an
     * emitted {@code Transpose} with that one into a single permutation it can no longer fold into the MatMul, so the
     * transposition is written into the MatMul here.
     */
    private static String transposedMatMul(Graph g, String a, String b, boolean transA, boolean transB) {
        return g.opN("FusedMatMul", Graph.CONTRIB_DOMAIN, List.of(a, b), 1,
                Attr.i("transA", transA ? 1 : 0), Attr.i("transB", transB ? 1 : 0))[0];
    }

    private static String[] gemm(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        float alpha = Attr.getFloat(n, "alpha", 1f);
        float beta = Attr.getFloat(n, "beta", 1f);
        long ta = Attr.getInt(n, "transA", 0);
        long tb = Attr.getInt(n, "transB", 0);
        String a = n.getInput(0);
        String b = n.getInput(1);
        String[] out = new String[n.getInputCount()];
        if (c.needs(a)) {
            out[0] = ta == 0
                    ? g.op("Gemm", List.of(d[0], b), Attr.f("alpha", alpha), Attr.i("transB", 1 - tb))
                    : g.op("Gemm", List.of(b, d[0]), Attr.f("alpha", alpha), Attr.i("transA", tb), Attr.i("transB", 1));
        }
        if (c.needs(b)) {
            out[1] = tb == 0
                    ? g.op("Gemm", List.of(a, d[0]), Attr.f("alpha", alpha), Attr.i("transA", 1 - ta))
                    : g.op("Gemm", List.of(d[0], a), Attr.f("alpha", alpha), Attr.i("transA", 1), Attr.i("transB", ta));
        }
        if (n.getInputCount() > 2 && c.needs(n.getInput(2))) {
            String dc = beta == 1f ? d[0] : g.op("Mul", d[0], c.constant(n, n.getOutput(0), beta));
            out[2] = c.sumTo(n, dc, n.getOutput(0), n.getInput(2));
        }
        return out;
    }

    private static String[] reshapeBack(GradientContext c, NodeProto n, String[] d) {
        return only(n, 0, c.graph().reshapeLike(d[0], n.getInput(0)));
    }

    private static String[] transpose(GradientContext c, NodeProto n, String[] d) {
        int rank = c.meta(n, n.getInput(0)).rank();
        long[] perm = Attr.getInts(n, "perm");
        if (perm == null) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        }
        long[] inv = new long[rank];
        for (int i = 0; i < rank; i++) {
            inv[(int) perm[i]] = i;
        }
        return only(n, 0, c.graph().transpose(d[0], inv));
    }

    private static String[] cast(GradientContext c, NodeProto n, String[] d) {
        ValueMeta m = c.meta(n, n.getInput(0));
        if (!m.isFloat()) {
            return only(n, 0, null);
        }
        return only(n, 0, c.graph().cast(d[0], m.elemType()));
    }

    private static String[] where(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String cond = n.getInput(0);
        String zero = c.constant(n, n.getOutput(0), 0.0);
        String[] out = new String[3];
        if (c.needs(n.getInput(1))) {
            out[1] = c.sumTo(n, g.op("Where", cond, d[0], zero), n.getOutput(0), n.getInput(1));
        }
        if (c.needs(n.getInput(2))) {
            out[2] = c.sumTo(n, g.op("Where", cond, zero, d[0]), n.getOutput(0), n.getInput(2));
        }
        return out;
    }

    private static long[] constantInts(GradientContext c, NodeProto n, String value) {
        TensorProto t = c.graph().initializers().get(value);
        if (t != null) {
            return Tensors.toLongs(t);
        }
        for (NodeProto p : c.graph().nodes()) {
            if (p.getOpType().equals("Constant") && p.getOutput(0).equals(value)) {
                // Exporters write integer constants as a tensor or, from opset 12, as value_int / value_ints.
                if (Attr.find(p, "value").isPresent()) {
                    return Tensors.toLongs(Attr.find(p, "value").get().getT());
                }
                if (Attr.find(p, "value_ints").isPresent()) {
                    return Attr.getInts(p, "value_ints");
                }
                if (Attr.find(p, "value_int").isPresent()) {
                    return new long[]{Attr.getInt(p, "value_int", 0)};
                }
                throw new NoGradientRuleException(n.getOpType(), n.getName(), "input '" + value
                        + "' comes from a Constant node without an integer value");
            }
        }
        throw new NoGradientRuleException(n.getOpType(), n.getName(), "input '" + value + "' must be a constant");
    }

    private static String[] reduce(GradientContext c, NodeProto n, String[] d, boolean mean) {
        Graph g = c.graph();
        String x = n.getInput(0);
        int rank = c.meta(n, x).rank();
        long[] axes = Attr.getInts(n, "axes");
        if (axes == null && n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
            axes = constantInts(c, n, n.getInput(1));
        }
        if (axes == null || axes.length == 0) {
            if (Attr.getInt(n, "noop_with_empty_axes", 0) == 1) {
                return only(n, 0, d[0]);
            }
            axes = new long[rank];
            for (int i = 0; i < rank; i++) {
                axes[i] = i;
            }
        }
        long[] norm = Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).sorted().toArray();
        String dy = d[0];
        if (Attr.getInt(n, "keepdims", 1) == 0) {
            dy = g.unsqueeze(dy, norm);
        }
        String dx = g.op("Expand", dy, g.op("Shape", x));
        if (mean) {
            int t = c.elemType(n, x);
            String ratio = g.op("Div", g.cast(g.op("Size", n.getOutput(0)), t), g.cast(g.op("Size", x), t));
            dx = g.op("Mul", dx, ratio);
        }
        return only(n, 0, dx);
    }

    private static String[] layerNorm(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        String x = n.getInput(0);
        String scale = n.getInput(1);
        int rank = c.meta(n, x).rank();
        long axis = Attr.getInt(n, "axis", -1);
        if (axis < 0) {
            axis += rank;
        }
        long[] axes = new long[(int) (rank - axis)];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = axis + i;
        }
        // Mean and InvStdDev are the node's optional outputs 1 and 2; the driver exposes them before differentiating.
        if (n.getOutputCount() < 3 || n.getOutput(1).isEmpty() || n.getOutput(2).isEmpty()) {
            throw new NoGradientRuleException("LayerNormalization", n.getName(), "Mean and InvStdDev outputs were not exposed");
        }
        String mean = n.getOutput(1);
        String inv = n.getOutput(2);
        // The saved statistics have the stash type (float by default), which differs from X in a double graph.
        int xt = c.elemType(n, x);
        if (c.elemType(n, mean) != xt) {
            mean = g.cast(mean, xt);
            inv = g.cast(inv, xt);
        }
        String[] out = new String[n.getInputCount()];
        if (c.needs(x)) {
            // dx = inv·(gy − mean(gy) − x̂·mean(gy·x̂)) with gy = dy·scale and x̂ = (x − μ)·inv. Since
            // mean(gy·x̂) = inv·(mean(gy·x) − μ·mean(gy)), dx = inv·gy + x·A + C with the per-row A = −inv³·m2 and
            // C = −A·μ − inv·mean(gy), m2 = mean(gy·x) − μ·mean(gy): six full-size ops instead of eight, x̂ never
            // materialised. (The difference loses relative precision about eps·|μ|/σ, far below float training noise.)
            String gy = g.op("Mul", d[0], scale);
            String m1 = g.reduceMean(gy, axes, true);
            String mgx = g.reduceMean(g.op("Mul", gy, x), axes, true);
            String m2 = g.op("Sub", mgx, g.op("Mul", mean, m1));
            String negA = g.op("Mul", g.op("Mul", g.op("Mul", inv, inv), inv), m2);
            String cc = g.op("Sub", g.op("Mul", negA, mean), g.op("Mul", inv, m1));
            out[0] = g.op("Add", g.op("Sub", g.op("Mul", gy, inv), g.op("Mul", x, negA)), cc);
        }
        if (c.needs(scale)) {
            String xhat = g.op("Mul", g.op("Sub", x, mean), inv);
            out[1] = c.sumTo(n, g.op("Mul", d[0], xhat), n.getOutput(0), scale);
        }
        if (n.getInputCount() > 2 && c.needs(n.getInput(2))) {
            out[2] = c.sumTo(n, d[0], n.getOutput(0), n.getInput(2));
        }
        return out;
    }

    private static String[] concat(GradientContext c, NodeProto n, String[] d) {
        Graph g = c.graph();
        long axis = Attr.getInt(n, "axis", 0);
        int rank = c.meta(n, n.getOutput(0)).rank();
        if (axis < 0) {
            axis += rank;
        }
        String[] out = new String[n.getInputCount()];
        String start = g.longs(0);
        String axisT = g.longs(axis);
        for (int i = 0; i < n.getInputCount(); i++) {
            String in = n.getInput(i);
            String len = g.op("Gather", List.of(g.op("Shape", in), axisT), Attr.i("axis", 0));
            String end = g.op("Add", start, len);
            if (c.needs(in)) {
                out[i] = g.op("Slice", d[0], start, end, axisT);
            }
            start = end;
        }
        return out;
    }

    private static String[] slice(GradientContext c, NodeProto n, String[] d) {
        // Gradient of a slice with unit steps along the given axes: pad the gradient back with zeros.
        Graph g = c.graph();
        if (c.graph().opset() < 11) {
            throw new NoGradientRuleException("Slice", n.getName(), "needs opset 11 or later");
        }
        String x = n.getInput(0);
        int rank = c.meta(n, x).rank();
        long[] xs = c.meta(n, x).shape();
        long[] ys = c.meta(n, n.getOutput(0)).shape();
        long[] starts = constantInts(c, n, n.getInput(1));
        long[] axes;
        if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) {
            axes = constantInts(c, n, n.getInput(3));
        } else {
            axes = new long[starts.length];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        if (n.getInputCount() > 4 && !n.getInput(4).isEmpty()) {
            for (long s : constantInts(c, n, n.getInput(4))) {
                if (s != 1) {
                    throw new NoGradientRuleException("Slice", n.getName(), "only unit steps are supported");
                }
            }
        }
        // pads: before = start, after = dim - start - sliced length; computed at run time from the shapes.
        long[] before = new long[rank];
        for (int i = 0; i < axes.length; i++) {
            int ax = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
            long s = starts[i] < 0 ? starts[i] + xs[ax] : starts[i];
            if (starts[i] < 0) {
                throw new NoGradientRuleException("Slice", n.getName(), "negative starts are not supported");
            }
            before[ax] = s;
        }
        String sx = g.op("Shape", x);
        String sy = g.op("Shape", n.getOutput(0));
        String beforeT = g.longs(before);
        String after = g.op("Sub", g.op("Sub", sx, sy), beforeT);
        String pads = g.op("Concat", List.of(beforeT, after), Attr.i("axis", 0));
        if (ys.length != rank) {
            throw new NoGradientRuleException("Slice", n.getName(), "rank changed");
        }
        return only(n, 0, g.op("Pad", d[0], pads));
    }

    private static String[] gather(GradientContext c, NodeProto n, String[] d) {
        // Only a constant scalar index along one axis (first-token pooling): pad the gradient back with zeros.
        Graph g = c.graph();
        if (c.needs(n.getInput(1))) {
            throw new NoGradientRuleException("Gather", n.getName(), "indices cannot carry a gradient");
        }
        long[] idx = constantInts(c, n, n.getInput(1));
        ValueMeta im = c.meta(n, n.getInput(1));
        if (idx.length != 1 || im.rank() != 0 || idx[0] < 0) {
            throw new NoGradientRuleException("Gather", n.getName(), "only a constant non-negative scalar index is supported");
        }
        String x = n.getInput(0);
        int rank = c.meta(n, x).rank();
        long axis = Attr.getInt(n, "axis", 0);
        if (axis < 0) {
            axis += rank;
        }
        String dy = g.unsqueeze(d[0], axis);
        long[] before = new long[rank];
        before[(int) axis] = idx[0];
        String beforeT = g.longs(before);
        String after = g.op("Sub", g.op("Sub", g.op("Shape", x), g.op("Shape", dy)), beforeT);
        String pads = g.op("Concat", List.of(beforeT, after), Attr.i("axis", 0));
        return only(n, 0, g.op("Pad", dy, pads));
    }
}
