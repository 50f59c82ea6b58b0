/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.onnx.QuantizedLinears;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient through a frozen int8 Linear ({@code DynamicQuantizeLinear → MatMulInteger → Cast → Mul}, + bias)
 * against central finite differences of the dequantized float computation {@code x · W + b},
 * {@code W = s_w ⊙ (W_q − z_w)}.
 * <p>
 * The model is {@code y = Linear_int8(tanh(x))}, the loss {@code L = Σ y ⊙ R}, so the straight-through gradient is
 * {@code dL/dx = tanh'(x) ⊙ (R · Wᵀ)}: the float model with the dequantized weight has exactly that gradient, and
 * finite differences of it (float, {@code h = 1e-3}) give the reference. Float backward: every element within
 * {@code 1e-2 · max(1, |numeric|)}. Int8 backward ({@code R} quantized to 8 bits per tensor, {@code Wᵀ} requantized per input feature): relative L2 error
 * of the whole gradient at most 3%, with and without weight zero points.
 */
class QuantizedLinearGradientTest {
    private static final int IN = 24;
    private static final int OUT = 16;
    private static final long[] X_DIMS = {2, 3, IN};
    private static final long[] Y_DIMS = {2, 3, OUT};

    @Test
    void floatBackwardMatchesFiniteDifferencesOfTheDequantizedLinear() throws OrtException {
        Fixture f = new Fixture(false);
        double[] analytic = f.gradient(QuantizedBackward.FLOAT);
        double[] numeric = f.numeric();
        for (int i = 0; i < numeric.length; i++) {
            assertEquals(numeric[i], analytic[i], 1e-2 * Math.max(1, Math.abs(numeric[i])), "dL/dx[" + i + "]");
        }
    }

    @Test
    void int8BackwardTracksTheDequantizedLinear() throws OrtException {
        for (boolean zeroPoints : new boolean[]{false, true}) {
            Fixture f = new Fixture(zeroPoints);
            double[] numeric = f.numeric();
            double[] int8 = f.gradient(QuantizedBackward.INT8);
            double err = relative(int8, numeric);
            assertTrue(err <= 0.03, "int8 backward relative error " + err + " (zero points: " + zeroPoints + ")");
        }
    }

    @Test
    void floatBackwardHandlesNonZeroWeightZeroPoints() throws OrtException {
        Fixture f = new Fixture(true);
        double[] analytic = f.gradient(QuantizedBackward.FLOAT);
        double[] numeric = f.numeric();
        assertTrue(relative(analytic, numeric) <= 1e-3, "relative error " + relative(analytic, numeric));
    }

    private static double relative(double[] a, double[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ref[i]) * (a[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    /** A quantized model, its dequantized float twin and fixed inputs. */
    private static final class Fixture {
        final float[] x;
        final float[] r;
        final float[] w;
        final ModelProto quantized;
        final float[] dequantized;

        Fixture(boolean zeroPoints) {
            Random rnd = new Random(zeroPoints ? 11 : 7);
            x = uniform(rnd, (int) Tensors.size(X_DIMS), 1.5);
            r = uniform(rnd, (int) Tensors.size(Y_DIMS), 1);
            w = uniform(rnd, IN * OUT, 0.3);
            float[] b = uniform(rnd, OUT, 0.1f);
            ModelProto q = QuantizedLinears.quantizeLinears(model(w, b),
                    List.of(new LinearModule("lin", "mm", "t", "y", "W", false, IN, OUT, "b")));
            if (zeroPoints) {
                q = shiftZeroPoints(q, rnd);
            }
            quantized = q;
            Map<String, TensorProto> inits = new HashMap<>();
            q.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
            List<QuantizedLinears.Match> found = QuantizedLinears.find(q.getGraph().getNodeList(), inits);
            assertEquals(1, found.size(), "quantized Linear found");
            assertEquals("t", found.get(0).input());
            dequantized = QuantizedLinears.dequantize(found.get(0), inits);
            this.bias = b;
        }

        final float[] bias;

        /** Weight zero points of ±(0..3), the weights shifted so that the dequantized weight stays the same. */
        private static ModelProto shiftZeroPoints(ModelProto q, Random rnd) {
            GraphProto.Builder g = q.getGraph().toBuilder();
            int[] z = new int[OUT];
            for (int o = 0; o < OUT; o++) {
                z[o] = rnd.nextInt(7) - 3;
            }
            for (int i = 0; i < g.getInitializerCount(); i++) {
                TensorProto t = g.getInitializer(i);
                if (t.getName().equals("W_int8")) {
                    int[] v = QuantizedLinears.toInts(t);
                    for (int k = 0; k < v.length; k++) {
                        v[k] = Math.max(-128, Math.min(127, v[k] + z[k % OUT]));
                    }
                    g.setInitializer(i, QuantizedLinears.int8s(t.getName(), new long[]{IN, OUT}, v));
                } else if (t.getName().equals("W_int8_zero_point")) {
                    g.setInitializer(i, QuantizedLinears.int8s(t.getName(), new long[]{OUT}, z));
                }
            }
            return q.toBuilder().setGraph(g).build();
        }

        double[] gradient(QuantizedBackward precision) throws OrtException {
            Graph g = new Graph(quantized, "/grad/");
            Map<String, ValueMeta> meta;
            try (OnnxTensor xt = tensor(x, X_DIMS)) {
                meta = ShapeProbe.probe(g.toModel("probe"), Map.of("x", xt));
            }
            g.addInput("R", Tensors.FLOAT, Y_DIMS[0], Y_DIMS[1], Y_DIMS[2]);
            Map<String, String> grads = ReverseMode.differentiate(g, meta, Map.of("y", "R"), List.of("x"), precision);
            g.clearOutputs();
            g.addNode(NodeProto.newBuilder().setOpType("Identity").setName("out").addInput(grads.get("x")).addOutput("dx").build());
            g.addOutput("dx", Tensors.FLOAT);
            g.topoSort();
            if (precision == QuantizedBackward.INT8) {
                assertTrue(g.nodes().stream().filter(n -> n.getOpType().equals("MatMulInteger")).count() == 2,
                        "int8 backward uses MatMulInteger");
            }
            try (OrtSession s = session(g.toModel("gradient")); OnnxTensor xt = tensor(x, X_DIMS);
                 OnnxTensor rt = tensor(r, Y_DIMS); OrtSession.Result res = s.run(Map.of("x", xt, "R", rt))) {
                return read((OnnxTensor) res.get("dx").orElseThrow());
            }
        }

        /** Central differences of {@code Σ (tanh(x) W_deq + b) ⊙ R} in float, {@code h = 1e-3}. */
        double[] numeric() throws OrtException {
            double h = 1e-3;
            double[] out = new double[x.length];
            try (OrtSession s = session(model(dequantized, bias))) {
                for (int i = 0; i < x.length; i++) {
                    float v = x[i];
                    x[i] = (float) (v + h);
                    double lp = loss(s);
                    x[i] = (float) (v - h);
                    double lm = loss(s);
                    x[i] = v;
                    out[i] = (lp - lm) / (2 * h);
                }
            }
            return out;
        }

        private double loss(OrtSession s) throws OrtException {
            try (OnnxTensor xt = tensor(x, X_DIMS); OrtSession.Result res = s.run(Map.of("x", xt))) {
                double[] y = read((OnnxTensor) res.get("y").orElseThrow());
                double l = 0;
                for (int i = 0; i < y.length; i++) {
                    l += y[i] * r[i];
                }
                return l;
            }
        }
    }

    /** {@code y = tanh(x) · W + b}, opset 13. */
    private static ModelProto model(float[] w, float[] b) {
        Graph g = new Graph(ModelProto.newBuilder().setIrVersion(8).setProducerName("loradrop-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(GraphProto.newBuilder().setName("empty")).build(), "/f/");
        g.addInput("x", Tensors.FLOAT, X_DIMS[0], X_DIMS[1], X_DIMS[2]);
        g.addInitializer(Tensors.floats("W", new long[]{IN, OUT}, w));
        g.addInitializer(Tensors.floats("b", new long[]{OUT}, b));
        g.addNode(NodeProto.newBuilder().setOpType("Tanh").setName("tanh").addInput("x").addOutput("t").build());
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm").addInput("t").addInput("W").addOutput("xw").build());
        g.addNode(NodeProto.newBuilder().setOpType("Add").setName("add").addInput("xw").addInput("b").addOutput("y").build());
        g.addOutput("y", Tensors.FLOAT);
        return g.toModel("linear");
    }

    private static float[] uniform(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private static OnnxTensor tensor(float[] v, long[] dims) throws OrtException {
        return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(v.clone()), dims);
    }

    private static double[] read(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        double[] out = new double[b.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    private static OrtSession session(ModelProto model) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            return OrtEnvironment.getEnvironment().createSession(model.toByteArray(), opts);
        }
    }
}
