/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.onnx.QuantizedLinears;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtException;
import org.junit.jupiter.api.Test;

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
            double err = TanhLinearCase.relative(int8, numeric);
            assertTrue(err <= 0.03, "int8 backward relative error " + err + " (zero points: " + zeroPoints + ")");
        }
    }

    @Test
    void floatBackwardHandlesNonZeroWeightZeroPoints() throws OrtException {
        Fixture f = new Fixture(true);
        double[] analytic = f.gradient(QuantizedBackward.FLOAT);
        double[] numeric = f.numeric();
        assertTrue(TanhLinearCase.relative(analytic, numeric) <= 1e-3, "relative error " + TanhLinearCase.relative(analytic, numeric));
    }

    /** A quantized model of the {@link TanhLinearCase} and its dequantized weight. */
    private static final class Fixture {
        final TanhLinearCase c;
        final ModelProto quantized;
        final float[] dequantized;

        Fixture(boolean zeroPoints) {
            Random rnd = new Random(zeroPoints ? 11 : 7);
            c = new TanhLinearCase(rnd, IN, OUT);
            ModelProto q = QuantizedLinears.quantizeLinears(c.floatModel(c.w), List.of(c.linear()));
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
        }

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
            Graph g = c.gradientGraph(quantized, precision);
            if (precision == QuantizedBackward.INT8) {
                assertTrue(g.nodes().stream().filter(n -> n.getOpType().equals("MatMulInteger")).count() == 2,
                        "int8 backward uses MatMulInteger");
            }
            return c.run(g);
        }

        /** Central differences of the float model with the dequantized weight. */
        double[] numeric() throws OrtException {
            return c.numeric(dequantized);
        }
    }
}
