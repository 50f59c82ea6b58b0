/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.BaseQuantization;
import ai.loradrop.onnx.BlockQuantizedLinears;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.QuantizedBackward;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient through a frozen 4-bit Linear ({@code com.microsoft:MatMulNBits}, + bias), whose backward dequantizes
 * the packed weight with {@code GatherBlockQuantized}.
 * <p>
 * The model is {@code y = Linear_int4(tanh(x))}, the loss {@code L = Σ y ⊙ R}, so {@code dL/dx = tanh'(x) ⊙ (R · Wᵀ)}
 * with {@code W} the dequantized weight: checked against that product computed in Java (relative L2 error at most
 * 1e-5: the dequantization is exact) and against central finite differences of the float model with the dequantized
 * weight ({@code h = 1e-3}, each element within {@code 1e-2 · max(1, |numeric|)}), for a full-block width (64) and a
 * padded one (40). The QuantizedBackward setting must not change it.
 */
class BlockQuantizedLinearGradientTest {
    private static final int OUT = 16;

    @TempDir
    static Path tmp;

    @Test
    void gradientIsExactForTheDequantizedWeight() throws OrtException {
        for (int in : new int[]{64, 40}) {
            Fixture f = new Fixture(in);
            double[] analytic = f.gradient(QuantizedBackward.FLOAT);
            double[] exact = f.exact();
            double err = relative(analytic, exact);
            assertTrue(err <= 1e-5, "K=" + in + ": relative error against tanh'(x)·(R·W_deqᵀ) " + err);
            double[] numeric = f.numeric();
            for (int i = 0; i < numeric.length; i++) {
                assertEquals(numeric[i], analytic[i], 1e-2 * Math.max(1, Math.abs(numeric[i])), "K=" + in + ", dL/dx[" + i + "]");
            }
            assertEquals(0.0, relative(f.gradient(QuantizedBackward.INT8), analytic), 0.0,
                    "4-bit layers ignore the int8 backward setting");
        }
    }

    /**
     * The memory claim: the Linear weight bytes of the 4-bit MiniLM, with every initializer its backward adds, are at
     * most 1/6 of the float Linear weight bytes (measured 0.157: 0.625 bytes per weight for the nibbles and scales, plus
     * the row indices).
     */
    @Test
    void fourBitLinearWeightsTakeAtMostASixthOfTheFloatBytes() throws Exception {
        EncoderModel f = EncoderModel.load(BundledMiniLM.extract(tmp.resolve("minilm")).onnx());
        long floatBytes = 0;
        for (LinearModule m : f.linears()) {
            floatBytes += 4L * m.inFeatures() * m.outFeatures();
        }
        EncoderModel q = f.quantized(BaseQuantization.INT4);
        Graph g = new Graph(q.model(), "/grad/");
        Map<String, TensorProto> inits = g.initializers();
        List<BlockQuantizedLinears.Match> found = BlockQuantizedLinears.find(g.nodes(), inits);
        assertEquals(36, found.size());
        for (int i = 0; i < found.size(); i++) {
            BlockQuantizedLinears.Match m = found.get(i);
            String dy = g.addInput("dy_" + i, Tensors.FLOAT, "rows", "seq", (long) m.outFeatures());
            ReverseMode.blockQuantizedLinearInputGradient(g, m, dy);
        }
        Set<String> floatNames = new HashSet<>();
        f.model().getGraph().getInitializerList().forEach(t -> floatNames.add(t.getName()));
        long int4Bytes = 0;
        for (TensorProto t : g.initializers().values()) {
            if (!floatNames.contains(t.getName())) {
                int4Bytes += t.getRawData().size() + 4L * t.getFloatDataCount() + 8L * t.getInt64DataCount()
                        + 4L * t.getInt32DataCount();
            }
        }
        double ratio = (double) int4Bytes / floatBytes;
        System.out.printf("MiniLM Linear weights: float %d bytes, int4 with backward %d bytes (%.4f)%n", floatBytes, int4Bytes, ratio);
        assertTrue(ratio <= 1.0 / 6, "int4 / float Linear weight bytes " + ratio);
        assertTrue(g.initializers().values().stream().noneMatch(t -> t.getDataType() == Tensors.FLOAT
                && t.getDimsCount() == 2 && !floatNames.contains(t.getName())), "no float weight copy for the backward");
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

    /** A 4-bit model, its dequantized float twin and fixed inputs. */
    private static final class Fixture {
        final int in;
        final long[] xDims;
        final long[] yDims;
        final float[] x;
        final float[] r;
        final float[] bias;
        final ModelProto quantized;
        final float[] dequantized;

        Fixture(int in) {
            this.in = in;
            xDims = new long[]{2, 3, in};
            yDims = new long[]{2, 3, OUT};
            Random rnd = new Random(in);
            x = uniform(rnd, (int) Tensors.size(xDims), 1.5);
            r = uniform(rnd, (int) Tensors.size(yDims), 1);
            float[] w = uniform(rnd, in * OUT, 0.3);
            bias = uniform(rnd, OUT, 0.1);
            quantized = BlockQuantizedLinears.quantizeLinears(model(w, bias),
                    List.of(new LinearModule("lin", "mm", "t", "y", "W", false, in, OUT, "b")));
            Map<String, TensorProto> inits = new HashMap<>();
            quantized.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
            List<BlockQuantizedLinears.Match> found = BlockQuantizedLinears.find(quantized.getGraph().getNodeList(), inits);
            assertEquals(1, found.size(), "4-bit Linear found");
            assertEquals("t", found.get(0).input());
            dequantized = BlockQuantizedLinears.dequantize(found.get(0), inits);
        }

        double[] gradient(QuantizedBackward precision) throws OrtException {
            Graph g = new Graph(quantized, "/grad/");
            Map<String, ValueMeta> meta;
            try (OnnxTensor xt = tensor(x, xDims)) {
                meta = ShapeProbe.probe(g.toModel("probe"), Map.of("x", xt));
            }
            g.addInput("R", Tensors.FLOAT, yDims[0], yDims[1], yDims[2]);
            Map<String, String> grads = ReverseMode.differentiate(g, meta, Map.of("y", "R"), List.of("x"), precision);
            g.clearOutputs();
            g.addNode(NodeProto.newBuilder().setOpType("Identity").setName("out").addInput(grads.get("x")).addOutput("dx").build());
            g.addOutput("dx", Tensors.FLOAT);
            g.topoSort();
            assertEquals(1, g.nodes().stream().filter(n -> n.getOpType().equals("GatherBlockQuantized")).count(),
                    "the backward dequantizes with GatherBlockQuantized");
            try (OrtSession s = session(g.toModel("gradient")); OnnxTensor xt = tensor(x, xDims);
                 OnnxTensor rt = tensor(r, yDims); OrtSession.Result res = s.run(Map.of("x", xt, "R", rt))) {
                return read((OnnxTensor) res.get("dx").orElseThrow());
            }
        }

        /** {@code tanh'(x) ⊙ (R · W_deqᵀ)} in double. */
        double[] exact() {
            int rows = x.length / in;
            double[] out = new double[x.length];
            for (int i = 0; i < rows; i++) {
                for (int k = 0; k < in; k++) {
                    double s = 0;
                    for (int n = 0; n < OUT; n++) {
                        s += (double) r[i * OUT + n] * dequantized[k * OUT + n];
                    }
                    double t = Math.tanh(x[i * in + k]);
                    out[i * in + k] = (1 - t * t) * s;
                }
            }
            return out;
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
            try (OnnxTensor xt = tensor(x, xDims); OrtSession.Result res = s.run(Map.of("x", xt))) {
                double[] y = read((OnnxTensor) res.get("y").orElseThrow());
                double l = 0;
                for (int i = 0; i < y.length; i++) {
                    l += y[i] * r[i];
                }
                return l;
            }
        }

        /** {@code y = tanh(x) · W + b}, opset 13. */
        private ModelProto model(float[] w, float[] b) {
            Graph g = new Graph(ModelProto.newBuilder().setIrVersion(8).setProducerName("loradrop-test")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                    .setGraph(GraphProto.newBuilder().setName("empty")).build(), "/f/");
            g.addInput("x", Tensors.FLOAT, xDims[0], xDims[1], xDims[2]);
            g.addInitializer(Tensors.floats("W", new long[]{in, OUT}, w));
            g.addInitializer(Tensors.floats("b", new long[]{OUT}, b));
            g.addNode(NodeProto.newBuilder().setOpType("Tanh").setName("tanh").addInput("x").addOutput("t").build());
            g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm").addInput("t").addInput("W").addOutput("xw").build());
            g.addNode(NodeProto.newBuilder().setOpType("Add").setName("add").addInput("xw").addInput("b").addOutput("y").build());
            g.addOutput("y", Tensors.FLOAT);
            return g.toModel("linear");
        }
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
