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
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
            double err = TanhLinearCase.relative(analytic, exact);
            assertTrue(err <= 1e-5, "K=" + in + ": relative error against tanh'(x)·(R·W_deqᵀ) " + err);
            double[] numeric = f.numeric();
            for (int i = 0; i < numeric.length; i++) {
                assertEquals(numeric[i], analytic[i], 1e-2 * Math.max(1, Math.abs(numeric[i])), "K=" + in + ", dL/dx[" + i + "]");
            }
            assertEquals(0.0, TanhLinearCase.relative(f.gradient(QuantizedBackward.INT8), analytic), 0.0,
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

    /** A 4-bit model of the {@link TanhLinearCase} and its dequantized weight. */
    private static final class Fixture {
        final TanhLinearCase c;
        final ModelProto quantized;
        final float[] dequantized;

        Fixture(int in) {
            c = new TanhLinearCase(new Random(in), in, OUT);
            quantized = BlockQuantizedLinears.quantizeLinears(c.floatModel(c.w), List.of(c.linear()));
            Map<String, TensorProto> inits = new HashMap<>();
            quantized.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
            List<BlockQuantizedLinears.Match> found = BlockQuantizedLinears.find(quantized.getGraph().getNodeList(), inits);
            assertEquals(1, found.size(), "4-bit Linear found");
            assertEquals("t", found.get(0).input());
            dequantized = BlockQuantizedLinears.dequantize(found.get(0), inits);
        }

        double[] gradient(QuantizedBackward precision) throws OrtException {
            Graph g = c.gradientGraph(quantized, precision);
            assertEquals(1, g.nodes().stream().filter(n -> n.getOpType().equals("GatherBlockQuantized")).count(),
                    "the backward dequantizes with GatherBlockQuantized");
            return c.run(g);
        }

        /** {@code tanh'(x) ⊙ (R · W_deqᵀ)} in double. */
        double[] exact() {
            int in = c.in;
            int rows = c.x.length / in;
            double[] out = new double[c.x.length];
            for (int i = 0; i < rows; i++) {
                for (int k = 0; k < in; k++) {
                    double s = 0;
                    for (int n = 0; n < OUT; n++) {
                        s += (double) c.r[i * OUT + n] * dequantized[k * OUT + n];
                    }
                    double t = Math.tanh(c.x[i * in + k]);
                    out[i * in + k] = (1 - t * t) * s;
                }
            }
            return out;
        }

        /** Central differences of the float model with the dequantized weight. */
        double[] numeric() throws OrtException {
            return c.numeric(dequantized);
        }
    }
}
