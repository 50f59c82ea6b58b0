/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each float-target head loss, built in a tiny graph and run in ONNX Runtime: its loss equals the formula computed
 * here in double precision, and its closed-form gradient with respect to the logits equals central finite differences
 * of the graph's own loss ({@code h = 1e-2} in float, pass when within {@code 1e-3 + 1e-2·|numeric|}). Logits are large
 * enough that the sigmoid saturates and the Huber residuals fall on both sides of δ, and the example weights differ
 * (one is 0), so weighting, both Huber branches and the overflow-free BCE form are all exercised. Both opset forms the
 * graph builder emits (11: ReduceSum axes attribute; 13: axes input) are run.
 */
class HeadLossFiniteDifferenceTest {
    private static final int ROWS = 4;
    private static final int OUTPUTS = 3;
    private static final float[] WEIGHTS = {1f, 0.5f, 0f, 2f};

    @ParameterizedTest
    @CsvSource({"SIGMOID_BINARY_CROSS_ENTROPY,11", "SIGMOID_BINARY_CROSS_ENTROPY,13", "MSE,11", "MSE,13", "HUBER,11", "HUBER,13"})
    void lossMatchesTheFormulaAndGradientMatchesFiniteDifferences(HeadLoss kind, int opset) throws OrtException {
        Random rnd = new Random(7 + opset);
        float[] z = new float[ROWS * OUTPUTS];
        float[] y = new float[ROWS * OUTPUTS];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) (rnd.nextGaussian() * 3);
            y[i] = kind == HeadLoss.SIGMOID_BINARY_CROSS_ENTROPY ? (rnd.nextBoolean() ? 1f : 0f) : (float) rnd.nextGaussian();
        }
        z[0] = 40f; // a saturated sigmoid: the naive log σ form would give log(0)
        z[1] = -40f;
        ModelProto model = model(kind, opset);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model.toByteArray(), new OrtSession.SessionOptions())) {
            float[][] out = run(env, s, z, y);
            assertEquals(expectedLoss(kind, z, y), out[0][0], 1e-4 * Math.max(1, Math.abs(expectedLoss(kind, z, y))), "loss of " + kind);
            double h = 1e-2;
            for (int i = 0; i < z.length; i++) {
                float[] zp = z.clone();
                float[] zm = z.clone();
                zp[i] += (float) h;
                zm[i] -= (float) h;
                double numeric = (run(env, s, zp, y)[0][0] - run(env, s, zm, y)[0][0]) / (2 * h);
                double analytic = out[1][i];
                assertTrue(Math.abs(analytic - numeric) <= 1e-3 + 1e-2 * Math.abs(numeric),
                        kind + " opset " + opset + " dL/dz[" + i + "]: analytic " + analytic + ", numeric " + numeric);
                if (WEIGHTS[i / OUTPUTS] == 0f) {
                    assertEquals(0.0, analytic, 0.0, "an example of weight 0 gets no gradient");
                }
            }
        }
    }

    private static ModelProto model(HeadLoss kind, int opset) {
        ModelProto empty = ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(GraphProto.newBuilder().setName("loss")).build();
        Graph g = new Graph(empty, "/t/");
        String logits = g.addInput("logits", Tensors.FLOAT, "rows", (long) OUTPUTS);
        String targets = g.addInput("targets", Tensors.FLOAT, "rows", (long) OUTPUTS);
        String weights = g.addInput("weights", Tensors.FLOAT, "rows");
        LossValues v = kind.append(g, logits, targets, weights, OUTPUTS);
        g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Identity").setName("o1").addInput(v.loss()).addOutput("loss").build());
        g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Identity").setName("o2").addInput(v.dLogits()).addOutput("dz").build());
        g.addOutput("loss", Tensors.FLOAT);
        g.addOutput("dz", Tensors.FLOAT);
        g.topoSort();
        return g.toModel("loss");
    }

    private static float[][] run(OrtEnvironment env, OrtSession s, float[] z, float[] y) throws OrtException {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put("logits", OnnxTensor.createTensor(env, FloatBuffer.wrap(z), new long[]{ROWS, OUTPUTS}));
            feeds.put("targets", OnnxTensor.createTensor(env, FloatBuffer.wrap(y), new long[]{ROWS, OUTPUTS}));
            feeds.put("weights", OnnxTensor.createTensor(env, FloatBuffer.wrap(WEIGHTS), new long[]{ROWS}));
            try (OrtSession.Result r = s.run(feeds, Set.of("loss", "dz"))) {
                float[] loss = new float[1];
                ((OnnxTensor) r.get("loss").get()).getFloatBuffer().get(loss);
                FloatBuffer dz = ((OnnxTensor) r.get("dz").get()).getFloatBuffer();
                float[] d = new float[dz.remaining()];
                dz.get(d);
                return new float[][]{loss, d};
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** The losses written out in double precision. */
    private static double expectedLoss(HeadLoss kind, float[] z, float[] y) {
        double wSum = 0;
        double total = 0;
        for (int r = 0; r < ROWS; r++) {
            double row = 0;
            for (int j = 0; j < OUTPUTS; j++) {
                double zi = z[r * OUTPUTS + j];
                double yi = y[r * OUTPUTS + j];
                double res = zi - yi;
                row += switch (kind) {
                    case SIGMOID_BINARY_CROSS_ENTROPY -> yi == 1 ? Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi));
                    case MSE -> res * res / OUTPUTS;
                    case HUBER -> (Math.abs(res) <= HeadLoss.HUBER_DELTA ? 0.5 * res * res
                            : HeadLoss.HUBER_DELTA * (Math.abs(res) - 0.5 * HeadLoss.HUBER_DELTA)) / OUTPUTS;
                    default -> throw new IllegalArgumentException();
                };
            }
            total += WEIGHTS[r] * row;
            wSum += WEIGHTS[r];
        }
        return total / wSum;
    }
}
