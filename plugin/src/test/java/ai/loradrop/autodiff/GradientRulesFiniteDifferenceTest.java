/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Attr;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks every rule of {@link GradientRules} against central finite differences computed with ONNX Runtime.
 * <p>
 * Each case is a tiny ONNX model around one operator. The loss is {@code L = Σ y ⊙ R} for a fixed random {@code R},
 * so the seed gradient of {@code y} is {@code R} (fed as a graph input). The gradient graph built by
 * {@link ReverseMode#differentiate} is run in ONNX Runtime, and every element of every input gradient is compared
 * with {@code (L(x + h) − L(x − h)) / 2h}, where {@code L} is evaluated by running the forward model in ONNX Runtime.
 * <p>
 * Double precision: {@code h = 1e-6}, pass when {@code |analytic − numeric| ≤ 1e-6 · max(1, |numeric|)}.
 * Float precision (operators whose ONNX Runtime CPU kernel has no double version, and casts to or from float):
 * {@code h = 1e-3}, pass when {@code |analytic − numeric| ≤ 2e-2 · max(1, |numeric|)}.
 */
class GradientRulesFiniteDifferenceTest {
    private static final double H_DOUBLE = 1e-6;
    private static final double TOL_DOUBLE = 1e-6;
    private static final double H_FLOAT = 1e-3;
    private static final double TOL_FLOAT = 2e-2;

    private static final int DOUBLE = Tensors.DOUBLE;
    private static final int FLOAT = Tensors.FLOAT;

    /**
     * Operators whose ONNX Runtime CPU kernel only exists for float (Erf: "Could not find an implementation for
     * Erf(13)" in double), so their cases run in float. Every other case runs in double;
     * {@link #floatOnlyOpsReallyLackADoubleKernel()} keeps this list honest.
     */
    private static final Set<String> FLOAT_ONLY = Set.of("Erf");

    /** One finite-difference case: a graph built around {@code op}. */
    private record Case(String op, String label, int opset, Consumer<Fx> body) {
        String name() {
            // Cast cases name their own element types.
            String type = op.equals("Cast") ? "" : FLOAT_ONLY.contains(op) ? ", float" : ", double";
            return op + " [" + label + ", opset " + opset + type + "]";
        }
    }

    /** An input value fed to the model. */
    private record Feed(int type, long[] dims, double[] values) {}

    /** Builder of one case's forward model. */
    private static final class Fx {
        final Graph g;
        final int type;
        final Random rnd;
        final Map<String, Feed> feeds = new LinkedHashMap<>();
        final List<String> wrt = new ArrayList<>();
        String output;

        Fx(int opset, int type, long seed) {
            this.g = new Graph(emptyModel(opset), "/f/");
            this.type = type;
            this.rnd = new Random(seed);
        }

        /** A differentiated input, uniform in [-1, 1]. */
        String in(String name, long... dims) {
            return input(name, type, dims, -1, 1, true);
        }

        /** A differentiated input, uniform in [0.5, 2] (Sqrt, Log, divisors). */
        String pos(String name, long... dims) {
            return input(name, type, dims, 0.5, 2, true);
        }

        /** A differentiated input with |x| in [0.2, 1] (kinks at zero, divisors). */
        String away(String name, long... dims) {
            String n = input(name, type, dims, 0.2, 1, true);
            double[] v = feeds.get(n).values();
            for (int i = 0; i < v.length; i++) {
                if (rnd.nextBoolean()) {
                    v[i] = -v[i];
                }
            }
            return n;
        }

        /** A graph input that is fed but not differentiated (a frozen value). */
        String frozen(String name, long... dims) {
            return input(name, type, dims, -1, 1, false);
        }

        String input(String name, int elemType, long[] dims, double lo, double hi, boolean differentiate) {
            Object[] d = new Object[dims.length];
            for (int i = 0; i < dims.length; i++) {
                d[i] = dims[i];
            }
            g.addInput(name, elemType, d);
            double[] v = new double[(int) Tensors.size(dims)];
            for (int i = 0; i < v.length; i++) {
                v[i] = lo + (hi - lo) * rnd.nextDouble();
            }
            feeds.put(name, new Feed(elemType, dims, v));
            if (differentiate) {
                wrt.add(name);
            }
            return name;
        }

        /** A constant of the case's element type. */
        String constant(long[] dims, double... v) {
            return g.addInitializer(real(g.fresh("k"), type, dims, v));
        }

        /** A random boolean constant. */
        String bools(long... dims) {
            byte[] b = new byte[(int) Tensors.size(dims)];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (rnd.nextBoolean() ? 1 : 0);
            }
            TensorProto.Builder t = TensorProto.newBuilder().setName(g.fresh("cond")).setDataType(Tensors.BOOL)
                    .setRawData(ByteString.copyFrom(b));
            for (long d : dims) {
                t.addDims(d);
            }
            return g.addInitializer(t.build());
        }

        /** A Constant node holding an int64 value. */
        String constantNode(AttributeProto value) {
            String out = g.fresh("const");
            g.addNode(NodeProto.newBuilder().setOpType("Constant").setName(g.fresh("n_Constant")).addOutput(out)
                    .addAttribute(value).build());
            return out;
        }

        String op(String op, List<String> ins, AttributeProto... attrs) {
            return g.op(op, ins, attrs);
        }

        String op(String op, String... ins) {
            return g.op(op, ins);
        }

        void out(String y) {
            this.output = y;
        }
    }

    private static TensorProto real(String name, int type, long[] dims, double[] v) {
        ByteBuffer buf;
        if (type == DOUBLE) {
            buf = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            buf.asDoubleBuffer().put(v);
        } else {
            buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (double x : v) {
                buf.putFloat((float) x);
            }
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static AttributeProto tensorAttr(TensorProto t) {
        return AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    private static ModelProto emptyModel(int opset) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("loradrop-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(GraphProto.newBuilder().setName("empty")).build();
    }

    private static long[] s(long... dims) {
        return dims;
    }

    // ---- the cases --------------------------------------------------------------------------------------------

    private static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        // Elementwise binary ops with broadcasting on either side.
        for (String op : List.of("Add", "Sub", "Mul", "Div")) {
            long[][][] shapes = {
                    {s(2, 3, 4), s(4)}, {s(2, 3, 4), s(3, 1)}, {s(2, 3, 4), s(1, 3, 4)}, {s(3, 1), s(2, 3, 4)},
                    {s(3, 1), s(1, 4)}, {s(2, 3, 4), s()}};
            for (long[][] sh : shapes) {
                l.add(new Case(op, Arrays.toString(sh[0]) + " " + op + " " + Arrays.toString(sh[1]), 17, f -> {
                    String a = f.in("a", sh[0]);
                    // Divisors away from zero keep the quotient's derivative tame.
                    String b = op.equals("Div") ? f.away("b", sh[1]) : f.in("b", sh[1]);
                    f.out(f.op(op, a, b));
                }));
            }
        }
        l.add(new Case("Div", "same input as numerator and divisor's operand", 17, f -> {
            String a = f.pos("a", 2, 3);
            f.out(f.op("Div", f.op("Neg", a), f.op("Add", a, f.constant(s(), 1.0))));
        }));
        l.add(new Case("Where", "cond [2,3,4], x [4], y [3,1]", 17, f -> {
            String c = f.bools(2, 3, 4);
            f.out(f.op("Where", c, f.in("x", 4), f.in("y", 3, 1)));
        }));
        l.add(new Case("Where", "cond [3,1], x [2,3,4], y [1,3,4]", 17, f -> {
            String c = f.bools(3, 1);
            f.out(f.op("Where", c, f.in("x", 2, 3, 4), f.in("y", 1, 3, 4)));
        }));
        l.add(new Case("Where", "cond [2,3,4], x [2,3,4], y constant", 17, f -> {
            String c = f.bools(2, 3, 4);
            f.out(f.op("Where", c, f.in("x", 2, 3, 4), f.constant(s(), 0.25)));
        }));
        for (long[] from : List.of(s(4), s(3, 1), s(1, 3, 1), s(2, 3, 4))) {
            l.add(new Case("Expand", Arrays.toString(from) + " to [2,3,4]", 17,
                    f -> f.out(f.op("Expand", f.in("x", from), f.g.longs(2, 3, 4)))));
        }
        l.add(new Case("Expand", "[3,1] to [2,1,4] (result shape is the broadcast)", 17,
                f -> f.out(f.op("Expand", f.in("x", 3, 1), f.g.longs(2, 1, 4)))));

        // Matrix products.
        long[][][] mm = {{s(3, 4), s(4, 5)}, {s(2, 3, 4), s(4, 5)}, {s(2, 1, 3, 4), s(3, 4, 5)}, {s(3, 4), s(2, 4, 5)},
                {s(2, 3, 4), s(2, 4, 5)}, {s(2, 3, 4), s(1, 4, 5)}, {s(1, 3, 4), s(2, 4, 5)}, {s(2, 3, 1), s(1, 5)}};
        for (long[][] sh : mm) {
            l.add(new Case("MatMul", Arrays.toString(sh[0]) + " x " + Arrays.toString(sh[1]), 17,
                    f -> f.out(f.op("MatMul", f.in("a", sh[0]), f.in("b", sh[1])))));
        }
        // Attention's products of transposed head tensors (Q·Kᵀ, P·V): the gradient rule writes the transposition
        // into com.microsoft:FusedMatMul, which must agree with the plain MatMul's derivative.
        l.add(new Case("MatMul", "[2,3,2,4] heads x Transpose [0,2,3,1] (attention scores)", 17,
                f -> f.out(f.op("MatMul", f.g.transpose(f.in("q", 2, 3, 2, 4), 0, 2, 1, 3),
                        f.g.transpose(f.in("k", 2, 3, 2, 4), 0, 2, 3, 1)))));
        l.add(new Case("MatMul", "[2,2,3,3] x Transpose [0,2,1,3] (attention context)", 17,
                f -> f.out(f.op("MatMul", f.in("p", 2, 2, 3, 3), f.g.transpose(f.in("v", 2, 3, 2, 4), 0, 2, 1, 3)))));
        for (int ta = 0; ta < 2; ta++) {
            for (int tb = 0; tb < 2; tb++) {
                int fa = ta;
                int fb = tb;
                for (long[] c : List.of(s(5), s(3, 1), s(3, 5), s(1, 5), s())) {
                    l.add(new Case("Gemm", "transA=" + ta + " transB=" + tb + " C " + Arrays.toString(c), 17, f -> {
                        String a = f.in("a", fa == 0 ? s(3, 4) : s(4, 3));
                        String b = f.in("b", fb == 0 ? s(4, 5) : s(5, 4));
                        f.out(f.op("Gemm", List.of(a, b, f.in("c", c)), Attr.i("transA", fa), Attr.i("transB", fb)));
                    }));
                }
                l.add(new Case("Gemm", "transA=" + ta + " transB=" + tb + " no C, alpha=0.7", 17, f -> {
                    String a = f.in("a", fa == 0 ? s(3, 4) : s(4, 3));
                    String b = f.in("b", fb == 0 ? s(4, 5) : s(5, 4));
                    f.out(f.op("Gemm", List.of(a, b), Attr.i("transA", fa), Attr.i("transB", fb), Attr.f("alpha", 0.7f)));
                }));
            }
        }
        l.add(new Case("Gemm", "alpha=1.5 beta=-0.5 C [5]", 17, f -> f.out(f.op("Gemm",
                List.of(f.in("a", 3, 4), f.in("b", 5, 4), f.in("c", 5)), Attr.i("transB", 1),
                Attr.f("alpha", 1.5f), Attr.f("beta", -0.5f)))));

        // Shape ops.
        l.add(new Case("Concat", "axis 1 of [2,3,4], [2,2,4], [2,1,4]", 17, f -> f.out(f.op("Concat",
                List.of(f.in("a", 2, 3, 4), f.in("b", 2, 2, 4), f.in("c", 2, 1, 4)), Attr.i("axis", 1)))));
        l.add(new Case("Concat", "axis -2 with a frozen middle part", 17, f -> f.out(f.op("Concat",
                List.of(f.in("a", 2, 3, 4), f.frozen("b", 2, 2, 4), f.in("c", 2, 1, 4)), Attr.i("axis", -2)))));
        l.add(new Case("Concat", "axis 2, same value twice", 17, f -> {
            String a = f.in("a", 2, 3, 2);
            f.out(f.op("Concat", List.of(a, f.in("b", 2, 3, 1), a), Attr.i("axis", 2)));
        }));
        l.add(new Case("Slice", "axes [0,1] starts [1,0] ends [3,3]", 17,
                f -> f.out(f.op("Slice", f.in("x", 3, 5, 4), f.g.longs(1, 0), f.g.longs(3, 3), f.g.longs(0, 1)))));
        l.add(new Case("Slice", "axis -1 starts [1] ends [-1] steps [1]", 17,
                f -> f.out(f.op("Slice", f.in("x", 3, 5, 4), f.g.longs(1), f.g.longs(-1), f.g.longs(-1), f.g.longs(1)))));
        l.add(new Case("Slice", "no axes, starts [0,2] ends [2,100]", 17,
                f -> f.out(f.op("Slice", f.in("x", 3, 5, 4), f.g.longs(0, 2), f.g.longs(2, 100)))));
        l.add(new Case("Slice", "axis 1 starts [2] ends [4]", 11,
                f -> f.out(f.op("Slice", f.in("x", 3, 5, 4), f.g.longs(2), f.g.longs(4), f.g.longs(1)))));
        l.add(new Case("Gather", "scalar index 1 on axis 1", 17,
                f -> f.out(f.op("Gather", List.of(f.in("x", 2, 3, 4), f.g.scalarLong(1)), Attr.i("axis", 1)))));
        l.add(new Case("Gather", "scalar index 2 on axis 0", 17,
                f -> f.out(f.op("Gather", List.of(f.in("x", 3, 2, 4), f.g.scalarLong(2))))));
        l.add(new Case("Gather", "scalar index 3 on axis -1", 17,
                f -> f.out(f.op("Gather", List.of(f.in("x", 2, 3, 4), f.g.scalarLong(3)), Attr.i("axis", -1)))));
        l.add(new Case("Slice", "starts, ends and axes from Constant nodes", 17, f -> f.out(f.op("Slice",
                f.in("x", 3, 5, 4), f.constantNode(Attr.ints("value_ints", 1)), f.constantNode(Attr.ints("value_ints", 4)),
                f.constantNode(tensorAttr(Tensors.longs("axes", s(1), new long[]{1})))))));
        l.add(new Case("Gather", "index from a Constant node (value_int)", 17, f -> f.out(f.op("Gather",
                List.of(f.in("x", 2, 3, 4), f.constantNode(Attr.i("value_int", 2))), Attr.i("axis", 1)))));
        l.add(new Case("Gather", "index from a Constant node (value tensor)", 17, f -> f.out(f.op("Gather",
                List.of(f.in("x", 2, 3, 4), f.constantNode(tensorAttr(Tensors.longs("i", s(), new long[]{0})))),
                Attr.i("axis", 2)))));
        l.add(new Case("Transpose", "perm [2,0,1]", 17,
                f -> f.out(f.g.transpose(f.in("x", 2, 3, 4), 2, 0, 1))));
        l.add(new Case("Transpose", "perm [1,3,0,2]", 17,
                f -> f.out(f.g.transpose(f.in("x", 2, 3, 4, 5), 1, 3, 0, 2))));
        l.add(new Case("Transpose", "default perm (reverse)", 17,
                f -> f.out(f.op("Transpose", f.in("x", 2, 3, 4)))));
        l.add(new Case("Reshape", "[2,3,4] to [6,4]", 17, f -> f.out(f.op("Reshape", f.in("x", 2, 3, 4), f.g.longs(6, 4)))));
        l.add(new Case("Reshape", "[2,3,4] to [0,-1]", 17, f -> f.out(f.op("Reshape", f.in("x", 2, 3, 4), f.g.longs(0, -1)))));
        l.add(new Case("Flatten", "axis 2", 17,
                f -> f.out(f.op("Flatten", List.of(f.in("x", 2, 3, 4)), Attr.i("axis", 2)))));
        l.add(new Case("Flatten", "default axis", 17, f -> f.out(f.op("Flatten", f.in("x", 2, 3, 4)))));
        for (int opset : new int[]{11, 13, 17}) {
            l.add(new Case("Squeeze", "axes [1,3] of [2,1,4,1]", opset,
                    f -> f.out(f.g.squeeze(f.in("x", 2, 1, 4, 1), 1, 3))));
            l.add(new Case("Unsqueeze", "axes [0,2] of [2,3]", opset,
                    f -> f.out(f.g.unsqueeze(f.in("x", 2, 3), 0, 2))));
        }
        l.add(new Case("Squeeze", "no axes", 13, f -> f.out(f.op("Squeeze", f.in("x", 2, 1, 4)))));
        l.add(new Case("Identity", "[2,3]", 17, f -> f.out(f.op("Identity", f.in("x", 2, 3)))));
        l.add(new Case("Cast", "float to double", 17, f -> {
            String x = f.input("x", FLOAT, s(2, 3), -1, 1, true);
            f.out(f.g.cast(x, DOUBLE));
        }));
        l.add(new Case("Cast", "double to float", 17, f -> {
            String x = f.input("x", DOUBLE, s(2, 3), -1, 1, true);
            f.out(f.g.cast(x, FLOAT));
        }));
        l.add(new Case("Cast", "double to double", 17, f -> f.out(f.g.cast(f.in("x", 2, 3), DOUBLE))));

        // Elementwise unary ops.
        l.add(new Case("Neg", "[2,3]", 17, f -> f.out(f.op("Neg", f.in("x", 2, 3)))));
        l.add(new Case("Pow", "exponent 2", 17, f -> f.out(f.op("Pow", f.in("x", 2, 3), f.constant(s(), 2.0)))));
        l.add(new Case("Pow", "exponent 3", 17, f -> f.out(f.op("Pow", f.in("x", 2, 3), f.constant(s(), 3.0)))));
        l.add(new Case("Pow", "int64 exponent 3", 17, f -> f.out(f.op("Pow", f.in("x", 2, 3), f.g.scalarLong(3)))));
        l.add(new Case("Pow", "exponent 0.5 on positive input", 17, f -> f.out(f.op("Pow", f.pos("x", 2, 3), f.constant(s(), 0.5)))));
        l.add(new Case("Pow", "float exponent 2 on double input", 17, f -> f.out(f.op("Pow", f.in("x", 2, 3),
                f.g.scalar(2f)))));
        l.add(new Case("Pow", "x [4], exponent [3,1] broadcasts x", 17, f -> f.out(f.op("Pow", f.pos("x", 4),
                f.constant(s(3, 1), 1.0, 2.0, 3.0)))));
        l.add(new Case("Sqrt", "positive", 17, f -> f.out(f.op("Sqrt", f.pos("x", 2, 3)))));
        l.add(new Case("Exp", "[2,3]", 17, f -> f.out(f.op("Exp", f.in("x", 2, 3)))));
        l.add(new Case("Log", "positive", 17, f -> f.out(f.op("Log", f.pos("x", 2, 3)))));
        l.add(new Case("Erf", "[2,3]", 17, f -> f.out(f.op("Erf", f.in("x", 2, 3)))));
        // The erf GELU as exporters write it is differentiated as one block (GeluBlocks).
        l.add(new Case("Erf", "GELU block (x·(1 + erf(x / √2)))·0.5 on [-4, 4]", 17, f -> {
            String x = f.input("x", f.type, s(2, 3, 4), -4, 4, true);
            String a = f.op("Add", f.op("Erf", f.op("Div", x, f.constant(s(), Math.sqrt(2)))), f.constant(s(), 1.0));
            f.out(f.op("Mul", f.op("Mul", x, a), f.constant(s(), 0.5)));
        }));
        l.add(new Case("Erf", "GELU block, Constant nodes, operands swapped, c = 1.7, k = 0.8, x also used outside", 17, f -> {
            String x = f.input("x", f.type, s(3, 5), -3, 3, true);
            String u = f.op("Div", x, f.constantNode(tensorAttr(real("c", f.type, s(), new double[]{1.7}))));
            String a = f.op("Add", f.constantNode(tensorAttr(real("one", f.type, s(), new double[]{1.0}))), f.op("Erf", u));
            String y = f.op("Mul", f.constantNode(tensorAttr(real("k", f.type, s(), new double[]{0.8}))), f.op("Mul", a, x));
            f.out(f.op("Add", y, f.op("Mul", x, x)));
        }));
        l.add(new Case("Tanh", "[2,3]", 17, f -> f.out(f.op("Tanh", f.in("x", 2, 3)))));
        l.add(new Case("Sigmoid", "[2,3]", 17, f -> f.out(f.op("Sigmoid", f.in("x", 2, 3)))));
        l.add(new Case("Relu", "away from 0", 17, f -> f.out(f.op("Relu", f.away("x", 2, 3, 4)))));

        // Normalisations.
        for (String op : List.of("Softmax", "LogSoftmax")) {
            for (long axis : new long[]{0, 1, 2, -1}) {
                l.add(new Case(op, "axis " + axis, 13,
                        f -> f.out(f.op(op, List.of(f.in("x", 2, 3, 4)), Attr.i("axis", axis)))));
                l.add(new Case(op, "axis " + axis + " (coerced to 2-D)", 11,
                        f -> f.out(f.op(op, List.of(f.in("x", 2, 3, 4)), Attr.i("axis", axis)))));
            }
            l.add(new Case(op, "default axis -1", 17, f -> f.out(f.op(op, f.in("x", 2, 3, 4)))));
            l.add(new Case(op, "default axis 1 (coerced to 2-D)", 11, f -> f.out(f.op(op, f.in("x", 2, 3, 4)))));
        }
        for (int keep = 0; keep < 2; keep++) {
            int k = keep;
            l.add(new Case("ReduceSum", "axes input [1] keepdims " + k, 13, f -> f.out(f.op("ReduceSum",
                    List.of(f.in("x", 2, 3, 4), f.g.longs(1)), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceSum", "axes input [0,-1] keepdims " + k, 17, f -> f.out(f.op("ReduceSum",
                    List.of(f.in("x", 2, 3, 4), f.g.longs(0, -1)), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceSum", "axes attribute [1] keepdims " + k, 11, f -> f.out(f.op("ReduceSum",
                    List.of(f.in("x", 2, 3, 4)), Attr.ints("axes", 1), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceSum", "axes attribute [2,0] keepdims " + k, 11, f -> f.out(f.op("ReduceSum",
                    List.of(f.in("x", 2, 3, 4)), Attr.ints("axes", 2, 0), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceSum", "all axes keepdims " + k, 13, f -> f.out(f.op("ReduceSum",
                    List.of(f.in("x", 2, 3, 4)), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceMean", "axes attribute [1] keepdims " + k, 17, f -> f.out(f.op("ReduceMean",
                    List.of(f.in("x", 2, 3, 4)), Attr.ints("axes", 1), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceMean", "axes attribute [-1,0] keepdims " + k, 11, f -> f.out(f.op("ReduceMean",
                    List.of(f.in("x", 2, 3, 4)), Attr.ints("axes", -1, 0), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceMean", "axes attribute [2] keepdims " + k, 13, f -> f.out(f.op("ReduceMean",
                    List.of(f.in("x", 2, 3, 4)), Attr.ints("axes", 2), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceMean", "axes input [0,2] keepdims " + k, 18, f -> f.out(f.op("ReduceMean",
                    List.of(f.in("x", 2, 3, 4), f.g.longs(0, 2)), Attr.i("keepdims", k)))));
            l.add(new Case("ReduceMean", "all axes keepdims " + k, 17, f -> f.out(f.op("ReduceMean",
                    List.of(f.in("x", 2, 3, 4)), Attr.i("keepdims", k)))));
        }
        l.add(new Case("ReduceSum", "empty axes input, noop_with_empty_axes", 13, f -> f.out(f.op("ReduceSum",
                List.of(f.in("x", 2, 3), f.g.addInitializer(Tensors.longs(f.g.fresh("k"), s(0), new long[0]))),
                Attr.i("noop_with_empty_axes", 1)))));
        for (int opset : new int[]{17, 18}) {
            l.add(new Case("LayerNormalization", "axis -1, Scale [4], B [4]", opset, f -> f.out(f.op("LayerNormalization",
                    List.of(f.in("x", 2, 3, 4), f.in("scale", 4), f.in("b", 4)), Attr.f("epsilon", 1e-5f)))));
        }
        l.add(new Case("LayerNormalization", "axis 1, Scale [3,4], B [4]", 17, f -> f.out(f.op("LayerNormalization",
                List.of(f.in("x", 2, 3, 4), f.in("scale", 3, 4), f.in("b", 4)), Attr.i("axis", 1)))));
        l.add(new Case("LayerNormalization", "axis -1, input with a large mean (5 to 7)", 17, f -> f.out(f.op("LayerNormalization",
                List.of(f.input("x", f.type, s(3, 6), 5, 7, true), f.in("scale", 6), f.in("b", 6))))));
        l.add(new Case("LayerNormalization", "axis -1, no B", 17, f -> f.out(f.op("LayerNormalization",
                List.of(f.in("x", 3, 5), f.in("scale", 5))))));
        l.add(new Case("LayerNormalization", "axis -1, frozen Scale and B", 17, f -> f.out(f.op("LayerNormalization",
                List.of(f.in("x", 3, 5), f.frozen("scale", 5), f.frozen("b", 5))))));
        return l;
    }

    @TestFactory
    List<DynamicTest> finiteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> check(c)));
        }
        return tests;
    }

    @Test
    void everySupportedOpHasAFiniteDifferenceCheck() {
        Set<String> covered = new TreeSet<>();
        for (Case c : cases()) {
            covered.add(c.op());
        }
        Set<String> missing = new TreeSet<>(GradientRules.supportedOps());
        missing.removeAll(covered);
        assertTrue(missing.isEmpty(), "Ops with a gradient rule but no finite-difference case: " + missing);
        Set<String> unknown = new TreeSet<>(covered);
        unknown.removeAll(GradientRules.supportedOps());
        assertTrue(unknown.isEmpty(), "Cases for ops without a rule: " + unknown);
    }

    // ---- the check ----------------------------------------------------------------------------------------------

    /** What running a case produced, for the structural tests. */
    private record Outcome(ModelProto forward, List<NodeProto> gradientNodes, Map<String, String> gradients) {}

    private static Outcome check(Case c) throws OrtException {
        Fx f = new Fx(c.opset(), FLOAT_ONLY.contains(c.op()) ? FLOAT : DOUBLE, c.name().hashCode());
        c.body().accept(f);
        assertNotNull(f.output, "case set no output");
        assertTrue(f.g.nodes().stream().anyMatch(n -> n.getOpType().equals(c.op())), "case graph has no " + c.op() + " node");
        return check(f, c.name());
    }

    private static Outcome check(Fx f, String name) throws OrtException {
        Graph fg = f.g;
        Map<String, ValueMeta> fwdMeta;
        ModelProto bare = fg.toModel("probe");
        try (Feeds feeds = new Feeds(f.feeds)) {
            fwdMeta = ShapeProbe.probe(bare, feeds.map);
        }
        ValueMeta ym = fwdMeta.get(f.output);
        assertNotNull(ym, "no metadata for output " + f.output);
        fg.addOutput(f.output, ym.elemType());
        ModelProto forward = fg.toModel("forward");

        Graph g = new Graph(forward, "/grad/");
        ReverseMode.exposeSavedStatistics(g);
        Map<String, ValueMeta> meta;
        try (Feeds feeds = new Feeds(f.feeds)) {
            meta = ShapeProbe.probe(g.toModel("probe"), feeds.map);
        }
        int before = g.size();
        Random rnd = new Random(name.hashCode() * 31L + 7);
        double[] seed = new double[(int) Tensors.size(ym.shape())];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = rnd.nextDouble() * 2 - 1;
        }
        Object[] dims = Arrays.stream(ym.shape()).boxed().toArray();
        g.addInput("R", ym.elemType(), dims);
        Map<String, String> grads = ReverseMode.differentiate(g, meta, Map.of(f.output, "R"), f.wrt);
        List<NodeProto> added = new ArrayList<>(g.nodes().subList(before, g.size()));
        g.clearOutputs();
        for (String w : f.wrt) {
            String gv = grads.get(w);
            assertNotNull(gv, name + ": no gradient for input " + w);
            g.addNode(NodeProto.newBuilder().setOpType("Identity").setName(g.fresh("out")).addInput(gv).addOutput("grad_" + w).build());
            g.addOutput("grad_" + w, f.feeds.get(w).type());
        }
        g.topoSort();
        ModelProto gradModel = g.toModel("gradient");

        Map<String, Feed> all = new LinkedHashMap<>(f.feeds);
        all.put("R", new Feed(ym.elemType(), ym.shape(), seed));
        Map<String, double[]> analytic = new HashMap<>();
        try (OrtSession s = session(gradModel); Feeds feeds = new Feeds(all); OrtSession.Result r = s.run(feeds.map)) {
            for (String w : f.wrt) {
                OnnxTensor t = (OnnxTensor) r.get("grad_" + w).orElseThrow();
                assertShape(f.feeds.get(w).dims(), t.getInfo().getShape(), name + ": shape of the gradient of " + w);
                analytic.put(w, read(t));
            }
        }

        List<String> failures = new ArrayList<>();
        int compared = 0;
        try (OrtSession s = session(forward)) {
            for (String w : f.wrt) {
                Feed x = f.feeds.get(w);
                boolean low = x.type() == FLOAT || ym.elemType() == FLOAT;
                double h = low ? H_FLOAT : H_DOUBLE;
                double tol = low ? TOL_FLOAT : TOL_DOUBLE;
                double[] a = analytic.get(w);
                for (int i = 0; i < x.values().length; i++) {
                    double v = x.values()[i];
                    x.values()[i] = v + h;
                    double lp = loss(s, f.feeds, f.output, seed);
                    x.values()[i] = v - h;
                    double lm = loss(s, f.feeds, f.output, seed);
                    x.values()[i] = v;
                    double numeric = (lp - lm) / (2 * h);
                    compared++;
                    if (!(Math.abs(a[i] - numeric) <= tol * Math.max(1, Math.abs(numeric)))) {
                        failures.add(String.format("d/d%s[%d]: analytic %.9g, numeric %.9g", w, i, a[i], numeric));
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(name + ": " + failures.size() + " of " + compared + " gradient elements differ from finite differences, first: "
                    + failures.subList(0, Math.min(5, failures.size())));
        }
        return new Outcome(forward, added, grads);
    }

    private static void assertShape(long[] expected, long[] actual, String message) {
        assertEquals(Arrays.toString(expected), Arrays.toString(actual), message);
    }

    /** {@code Σ y ⊙ R}, with {@code y} from the forward model, accumulated in double. */
    private static double loss(OrtSession s, Map<String, Feed> inputs, String output, double[] seed) throws OrtException {
        try (Feeds feeds = new Feeds(inputs); OrtSession.Result r = s.run(feeds.map)) {
            double[] y = read((OnnxTensor) r.get(output).orElseThrow());
            double l = 0;
            for (int i = 0; i < y.length; i++) {
                l += y[i] * seed[i];
            }
            return l;
        }
    }

    private static double[] read(OnnxTensor t) {
        if (t.getInfo().type == OnnxJavaType.DOUBLE) {
            DoubleBuffer b = t.getDoubleBuffer();
            double[] out = new double[b.remaining()];
            b.get(out);
            return out;
        }
        if (t.getInfo().type == OnnxJavaType.FLOAT) {
            FloatBuffer b = t.getFloatBuffer();
            double[] out = new double[b.remaining()];
            for (int i = 0; i < out.length; i++) {
                out[i] = b.get(i);
            }
            return out;
        }
        throw new IllegalStateException("Unexpected output type " + t.getInfo().type);
    }

    private static OrtSession session(ModelProto model) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            return OrtEnvironment.getEnvironment().createSession(model.toByteArray(), opts);
        }
    }

    /** ONNX Runtime tensors for a set of feeds, closed together. */
    private static final class Feeds implements AutoCloseable {
        final Map<String, OnnxTensor> map = new LinkedHashMap<>();

        Feeds(Map<String, Feed> feeds) throws OrtException {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try {
                for (Map.Entry<String, Feed> e : feeds.entrySet()) {
                    Feed f = e.getValue();
                    if (f.type() == DOUBLE) {
                        map.put(e.getKey(), OnnxTensor.createTensor(env, DoubleBuffer.wrap(f.values().clone()), f.dims()));
                    } else {
                        float[] v = new float[f.values().length];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) f.values()[i];
                        }
                        map.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(v), f.dims()));
                    }
                }
            } catch (OrtException | RuntimeException ex) {
                close();
                throw ex;
            }
        }

        @Override
        public void close() {
            for (OnnxTensor t : map.values()) {
                t.close();
            }
            map.clear();
        }
    }

    @Test
    void floatOnlyOpsReallyLackADoubleKernel() {
        for (String op : FLOAT_ONLY) {
            Fx f = new Fx(17, DOUBLE, 0);
            f.out(f.op(op, f.in("x", 2, 3)));
            f.g.addOutput(f.output, DOUBLE);
            assertThrows(OrtException.class, () -> {
                try (OrtSession s = session(f.g.toModel("double_" + op)); Feeds feeds = new Feeds(f.feeds);
                     OrtSession.Result r = s.run(feeds.map)) {
                    r.get(0);
                }
            }, op + " now runs in double: move its cases out of FLOAT_ONLY");
        }
    }

    // ---- structural behaviour of the driver ------------------------------------------------------------------

    @Test
    void unsupportedOpOnThePathNamesOpAndNode() {
        for (String op : List.of("Sin", "HardSigmoid")) {
            Fx f = new Fx(17, FLOAT, 1);
            String x = f.in("x", 2, 3);
            String y = f.op(op, x);
            String node = f.g.nodes().get(f.g.size() - 1).getName();
            f.out(f.op("Mul", y, f.in("w", 2, 3)));
            NoGradientRuleException e = assertThrows(NoGradientRuleException.class, () -> check(f, op));
            assertTrue(e.getMessage().contains("'" + op + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("'" + node + "'"), e.getMessage());
        }
    }

    @Test
    void frozenBranchGetsNoGradientNodes() throws OrtException {
        // y = x ⊙ Sin(w) + Tanh(f) + x: w and f are frozen, so neither Sin (no rule) nor Tanh is differentiated.
        Fx f = new Fx(17, DOUBLE, 2);
        String x = f.in("x", 2, 3);
        String w = f.frozen("w", 2, 3);
        String fr = f.frozen("f", 3);
        String sin = f.op("Sin", w);
        String prod = f.op("Mul", x, sin);
        String tanh = f.op("Tanh", fr);
        f.out(f.op("Add", f.op("Add", prod, tanh), x));
        Outcome o = check(f, "frozen branch");
        Set<String> frozenValues = Set.of(w, fr, tanh);
        for (NodeProto n : o.gradientNodes()) {
            for (String in : n.getInputList()) {
                assertFalse(frozenValues.contains(in), "gradient node " + n.getName() + " (" + n.getOpType() + ") reads frozen value " + in);
            }
            assertFalse(Set.of("Sin", "Tanh").contains(n.getOpType()), "gradient node " + n.getName() + " is " + n.getOpType());
        }
        // dL/dw would be R ⊙ x, the only gradient node reading x.
        assertTrue(o.gradientNodes().stream().noneMatch(n -> n.getInputList().contains(x)), "some gradient node reads x");
        assertEquals(Set.of(x), o.gradients().keySet());
    }

    @Test
    void geluBlockTakesSevenElementwiseOpsAndNoErfRule() throws OrtException {
        Fx f = new Fx(17, FLOAT, 9);
        String x = f.input("x", FLOAT, s(4, 6), -3, 3, true);
        String a = f.op("Add", f.op("Erf", f.op("Div", x, f.constant(s(), Math.sqrt(2)))), f.constant(s(), 1.0));
        f.out(f.op("Mul", f.op("Mul", x, a), f.constant(s(), 0.5)));
        Outcome o = check(f, "GELU block");
        // Node by node: ten elementwise ops (Erf's rule has Neg) and a Sum of the two paths to x.
        assertEquals(List.of("Mul", "Exp", "Div", "Mul", "Add", "Mul", "Mul"),
                o.gradientNodes().stream().map(NodeProto::getOpType).toList());
        // k scales the incoming gradient R itself (a constant, no other gradient value), so that ONNX Runtime can fold
        // it into the MatMul producing R in a real encoder.
        List<NodeProto> readR = o.gradientNodes().stream().filter(n -> n.getInputList().contains("R")).toList();
        assertEquals(1, readR.size());
        Set<String> computed = new HashSet<>();
        o.gradientNodes().forEach(n -> computed.addAll(n.getOutputList()));
        assertEquals("Mul", readR.get(0).getOpType());
        assertTrue(readR.get(0).getInputList().stream().filter(i -> !i.equals("R")).noneMatch(computed::contains),
                "R is scaled by the constant k alone");
    }

    @Test
    void trainableInputNotReachingTheLossGetsNull() throws OrtException {
        Fx f = new Fx(17, DOUBLE, 3);
        String x = f.in("x", 2, 3);
        String z = f.frozen("z", 2, 3);
        Graph g = f.g;
        g.op("Exp", z);  // a dead end: computed, never used by the output
        f.out(g.op("Tanh", x));
        g.addOutput(f.output, DOUBLE);
        Map<String, ValueMeta> meta;
        try (Feeds feeds = new Feeds(f.feeds)) {
            meta = ShapeProbe.probe(g.toModel("probe"), feeds.map);
        }
        g.addInput("R", DOUBLE, 2L, 3L);
        int before = g.size();
        Map<String, String> grads = ReverseMode.differentiate(g, meta, Map.of(f.output, "R"), List.of(x, z));
        assertNotNull(grads.get(x));
        assertTrue(grads.containsKey(z));
        assertNull(grads.get(z));
        assertTrue(g.nodes().subList(before, g.size()).stream().noneMatch(n -> n.getOpType().equals("Exp")),
                "the dead-end Exp was differentiated");
    }

    @Test
    void contributionsOfSeveralUsesAreSummed() throws OrtException {
        // x feeds Mul twice (both operands) and also Exp and the final Add: four contributions.
        Fx f = new Fx(17, DOUBLE, 4);
        String x = f.in("x", 2, 3);
        String sq = f.op("Mul", x, x);
        String e = f.op("Exp", x);
        f.out(f.op("Add", f.op("Add", sq, e), x));
        Outcome o = check(f, "several uses");
        String gx = o.gradients().get(x);
        NodeProto sum = o.gradientNodes().stream().filter(n -> n.getOutputList().contains(gx)).findFirst().orElseThrow();
        assertEquals("Sum", sum.getOpType());
        assertEquals(4, sum.getInputCount(), "contributions to dL/dx: " + sum.getInputList());
    }

    @Test
    void sameValueTwiceInOneNode() throws OrtException {
        // y = x ⊙ x alone: both operand gradients of one node must be added, d/dx = 2 x R.
        Fx f = new Fx(17, DOUBLE, 5);
        String x = f.in("x", 3, 2);
        f.out(f.op("Mul", x, x));
        Outcome o = check(f, "x times x");
        assertTrue(o.gradientNodes().stream().anyMatch(n -> n.getOpType().equals("Sum")));
    }

    @Test
    void frozenScaleAndBiasOfLayerNormalizationGetNoGradientNodes() throws OrtException {
        Fx f = new Fx(17, DOUBLE, 6);
        String x = f.in("x", 3, 5);
        String scale = f.frozen("scale", 5);
        String b = f.frozen("b", 5);
        f.out(f.op("LayerNormalization", x, scale, b));
        Outcome o = check(f, "LayerNormalization frozen affine");
        // dScale and dB would be ReduceSum over the rows of R ⊙ x̂ and R.
        assertTrue(o.gradientNodes().stream().noneMatch(n -> n.getOpType().equals("ReduceSum")),
                "a ReduceSum for a frozen Scale/B gradient was emitted");
        Set<String> read = new HashSet<>();
        o.gradientNodes().forEach(n -> read.addAll(n.getInputList()));
        assertFalse(read.contains(b), "gradient nodes read the frozen bias");
    }

    @Test
    void ruleReturningTooFewGradientsIsAnError() throws OrtException {
        // y = x ⊙ w with both trainable, differentiated with a Mul rule that forgets its second input.
        Fx f = new Fx(17, DOUBLE, 7);
        String x = f.in("x", 2, 3);
        String w = f.in("w", 2, 3);
        Graph g = f.g;
        f.out(g.op("Mul", x, w));
        g.addOutput(f.output, DOUBLE);
        Map<String, ValueMeta> meta;
        try (Feeds feeds = new Feeds(f.feeds)) {
            meta = ShapeProbe.probe(g.toModel("probe"), feeds.map);
        }
        g.addInput("R", DOUBLE, 2L, 3L);
        GradientRules.Rule forgetful = (c, n, d) -> new String[]{c.graph().op("Mul", d[0], n.getInput(1))};
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ReverseMode.differentiate(g, meta,
                Map.of(f.output, "R"), List.of(x, w), ai.loradrop.onnx.QuantizedBackward.FLOAT, op -> op.equals("Mul") ? forgetful : GradientRules.rule(op)));
        assertTrue(e.getMessage().startsWith("The gradient rule of op 'Mul' (node '") && e.getMessage().contains("returned 1 input gradients for a node with 2 inputs"),
                e.getMessage());
    }
}
