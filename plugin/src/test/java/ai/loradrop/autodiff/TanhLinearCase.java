/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The test case of the quantized-Linear gradient tests: {@code y = tanh(x) · W + b} with the loss
 * {@code L = Σ y ⊙ R}, so that {@code dL/dx = tanh'(x) ⊙ (R · Wᵀ)}. Holds fixed random inputs, builds the float model
 * (which a test quantizes), differentiates a model with {@link ReverseMode}, and takes central finite differences.
 */
final class TanhLinearCase {
    final int in;
    final int out;
    final long[] xDims;
    final long[] yDims;
    final float[] x;
    final float[] r;
    final float[] w;
    final float[] bias;

    /**
     * Draws {@code x} (±1.5), {@code R} (±1), {@code W} (±0.3) and {@code b} (±0.1), in that order.
     * @param rnd the random source (a test may keep drawing from it).
     * @param in the input width.
     * @param out the output width.
     */
    TanhLinearCase(Random rnd, int in, int out) {
        this.in = in;
        this.out = out;
        xDims = new long[]{2, 3, in};
        yDims = new long[]{2, 3, out};
        x = uniform(rnd, (int) Tensors.size(xDims), 1.5);
        r = uniform(rnd, (int) Tensors.size(yDims), 1);
        w = uniform(rnd, in * out, 0.3);
        bias = uniform(rnd, out, 0.1);
    }

    /** The Linear module of {@link #floatModel}, to quantize. */
    LinearModule linear() {
        return new LinearModule("lin", "mm", "t", "y", "W", false, in, out, "b");
    }

    /**
     * {@code y = tanh(x) · W + b}, opset 13.
     * @param weight {@code W}, {@code [in, out]}.
     * @return the model.
     */
    ModelProto floatModel(float[] weight) {
        Graph g = new Graph(ModelProto.newBuilder().setIrVersion(8).setProducerName("loradrop-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(GraphProto.newBuilder().setName("empty")).build(), "/f/");
        g.addInput("x", Tensors.FLOAT, xDims[0], xDims[1], xDims[2]);
        g.addInitializer(Tensors.floats("W", new long[]{in, out}, weight));
        g.addInitializer(Tensors.floats("b", new long[]{out}, bias));
        g.addNode(NodeProto.newBuilder().setOpType("Tanh").setName("tanh").addInput("x").addOutput("t").build());
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm").addInput("t").addInput("W").addOutput("xw").build());
        g.addNode(NodeProto.newBuilder().setOpType("Add").setName("add").addInput("xw").addInput("b").addOutput("y").build());
        g.addOutput("y", Tensors.FLOAT);
        return g.toModel("linear");
    }

    /**
     * The graph computing {@code dL/dx} (output {@code dx}, inputs {@code x} and {@code R}) of a model of this case.
     * @param model the (quantized) model.
     * @param precision the int8 backward form.
     * @return the graph, for a test to inspect and {@link #run}.
     */
    Graph gradientGraph(ModelProto model, QuantizedBackward precision) throws OrtException {
        Graph g = new Graph(model, "/grad/");
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
        return g;
    }

    /**
     * Runs a {@link #gradientGraph}.
     * @param g the graph.
     * @return {@code dL/dx}.
     */
    double[] run(Graph g) throws OrtException {
        try (OrtSession s = session(g.toModel("gradient")); OnnxTensor xt = tensor(x, xDims);
             OnnxTensor rt = tensor(r, yDims); OrtSession.Result res = s.run(Map.of("x", xt, "R", rt))) {
            return read((OnnxTensor) res.get("dx").orElseThrow());
        }
    }

    /**
     * Central differences of {@code Σ (tanh(x) W + b) ⊙ R} in float, {@code h = 1e-3}.
     * @param weight {@code W} (for example a quantized layer's dequantized weight).
     * @return the numeric {@code dL/dx}.
     */
    double[] numeric(float[] weight) throws OrtException {
        double h = 1e-3;
        double[] grad = new double[x.length];
        try (OrtSession s = session(floatModel(weight))) {
            for (int i = 0; i < x.length; i++) {
                float v = x[i];
                x[i] = (float) (v + h);
                double lp = loss(s);
                x[i] = (float) (v - h);
                double lm = loss(s);
                x[i] = v;
                grad[i] = (lp - lm) / (2 * h);
            }
        }
        return grad;
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

    /**
     * The relative L2 error of {@code a} against {@code ref}.
     * @param a the values.
     * @param ref the reference.
     * @return {@code ‖a − ref‖ / ‖ref‖}.
     */
    static double relative(double[] a, double[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ref[i]) * (a[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
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
        double[] v = new double[b.remaining()];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.get(i);
        }
        return v;
    }

    private static OrtSession session(ModelProto model) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            return OrtEnvironment.getEnvironment().createSession(model.toByteArray(), opts);
        }
    }
}
