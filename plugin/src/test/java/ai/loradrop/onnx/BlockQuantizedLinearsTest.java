/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 4-bit blockwise form ({@link BlockQuantizedLinears}): the packing, ONNX Runtime's {@code MatMulNBits} against
 * the dequantized float product computed in Java, and all-MiniLM-L6-v2 quantized at load.
 */
class BlockQuantizedLinearsTest {
    @TempDir
    static Path tmp;

    /** Nibble order, zero point and scale of one hand-made block: {@code q = round(w / (max|w| / 7)) + 8}. */
    @Test
    void packsTwoSignedLevelsPerByteLowNibbleFirst() {
        int k = 32;
        float[] w = new float[k];
        w[0] = 7f;   // level 7 -> 15 (low nibble of byte 0)
        w[1] = -7f;  // level -7 -> 1 (high nibble of byte 0)
        w[2] = 1f;   // level 1 -> 9
        w[3] = -2f;  // level -2 -> 6
        BlockQuantizedLinears.Packed p = BlockQuantizedLinears.quantize(w, k, 1);
        assertEquals(16, p.data().length);
        assertEquals(1, p.scales().length);
        assertEquals(1f, p.scales()[0], 0f);
        assertEquals(0x1f, p.data()[0] & 0xff);
        assertEquals(0x69, p.data()[1] & 0xff);
        for (int j = 2; j < 16; j++) {
            assertEquals(0x88, p.data()[j] & 0xff, "zero weights are level 8 in both nibbles, byte " + j);
        }
        assertArrayEquals(w, BlockQuantizedLinears.dequantize(p.data(), p.scales(), k, 1, 32), 0f);
    }

    /**
     * Every dequantized weight is within half a step of the float one, and quantizing the dequantized weight again
     * gives the same bytes and scales (padding included: 72 input features are 3 blocks, the last one 8 wide).
     */
    @Test
    void roundTripIsWithinHalfAStepAndStable() {
        int in = 72;
        int out = 10;
        float[] w = uniform(new Random(3), in * out, 0.4);
        BlockQuantizedLinears.Packed p = BlockQuantizedLinears.quantize(w, in, out);
        assertEquals(out * 3 * 16, p.data().length);
        float[] d = BlockQuantizedLinears.dequantize(p.data(), p.scales(), in, out, 32);
        double worst = 0;
        for (int k = 0; k < in; k++) {
            for (int n = 0; n < out; n++) {
                float s = p.scales()[n * 3 + k / 32];
                worst = Math.max(worst, Math.abs(d[k * out + n] - w[k * out + n]) / s);
            }
        }
        assertTrue(worst <= 0.5 + 1e-5, "largest error " + worst + " steps");
        BlockQuantizedLinears.Packed again = BlockQuantizedLinears.quantize(d, in, out);
        assertArrayEquals(p.data(), again.data());
        assertArrayEquals(p.scales(), again.scales(), 1e-7f);
    }

    /** ONNX Runtime's MatMulNBits equals {@code x · W_deq + b} computed in Java, for full and padded blocks. */
    @Test
    void matMulNBitsComputesTheDequantizedProduct() throws Exception {
        for (int in : new int[]{64, 40}) {
            int out = 24;
            Random rnd = new Random(in);
            float[] w = uniform(rnd, in * out, 0.3);
            float[] b = uniform(rnd, out, 0.1);
            float[] x = uniform(rnd, 6 * in, 1.0);
            ModelProto q = BlockQuantizedLinears.quantizeLinears(linear(w, b, in, out),
                    List.of(new LinearModule("lin", "mm", "x", "y", "W", false, in, out, "b")));
            assertTrue(q.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("MatMulNBits")));
            assertTrue(q.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals("W")), "float weight dropped");
            Map<String, TensorProto> inits = new HashMap<>();
            q.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
            List<BlockQuantizedLinears.Match> found = BlockQuantizedLinears.find(q.getGraph().getNodeList(), inits);
            assertEquals(1, found.size());
            float[] d = BlockQuantizedLinears.dequantize(found.get(0), inits);
            checkAgainstJava(q, x, d, b, in, out);
        }
    }

    /** all-MiniLM-L6-v2 at 4 bits: the 36 Linears keep their module paths and biases. */
    @Test
    void miniLmKeepsItsModulePaths() throws Exception {
        EncoderModel f = EncoderModel.load(BundledMiniLM.extract(tmp.resolve("minilm")).onnx());
        EncoderModel q = f.quantized(BaseQuantization.INT4);
        assertEquals(36, q.linears().size());
        assertEquals(f.linears().stream().map(LinearModule::path).toList(), q.quantizedModules());
        assertTrue(q.linears().stream().allMatch(m -> m.isBlockQuantized() && !m.isInt8() && m.bias() != null
                && m.blockQuantized().blockSize() == 32));
        for (int i = 0; i < 36; i++) {
            LinearModule a = f.linears().get(i);
            LinearModule b = q.linears().get(i);
            assertEquals(a.output(), b.output(), a.path());
            assertEquals(a.input(), b.input(), a.path());
            assertEquals(a.bias(), b.bias(), a.path());
        }
        assertTrue(q.model().getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals(BlockQuantizedLinears.DOMAIN)));
        assertEquals(q, q.blockQuantized(), "nothing left to quantize");
    }

    /** Compares ONNX Runtime's output of a one-Linear model with the Java product {@code x · w + b}. */
    private static void checkAgainstJava(ModelProto q, float[] x, float[] w, float[] b, int in, int out) throws Exception {
        int rows = x.length / in;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(q.toByteArray(), o);
                 OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{2, rows / 2, in});
                 OrtSession.Result r = s.run(Map.of("x", xt))) {
                FloatBuffer y = ((OnnxTensor) r.get("y").orElseThrow()).getFloatBuffer();
                double num = 0;
                double den = 0;
                for (int i = 0; i < rows; i++) {
                    for (int n = 0; n < out; n++) {
                        double ref = b[n];
                        for (int k = 0; k < in; k++) {
                            ref += (double) x[i * in + k] * w[k * out + n];
                        }
                        double got = y.get(i * out + n);
                        num += (got - ref) * (got - ref);
                        den += ref * ref;
                    }
                }
                double rel = Math.sqrt(num / den);
                assertTrue(rel <= 1e-4, "K=" + in + ": relative error " + rel);
            }
        }
    }

    /** {@code y = x · W + b}, opset 13. */
    static ModelProto linear(float[] w, float[] b, int in, int out) {
        Graph g = new Graph(ModelProto.newBuilder().setIrVersion(8).setProducerName("loradrop-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(GraphProto.newBuilder().setName("empty")).build(), "/f/");
        g.addInput("x", Tensors.FLOAT, "batch", "seq", (long) in);
        g.addInitializer(Tensors.floats("W", new long[]{in, out}, w));
        g.addInitializer(Tensors.floats("b", new long[]{out}, b));
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm").addInput("x").addInput("W").addOutput("xw").build());
        g.addNode(NodeProto.newBuilder().setOpType("Add").setName("add").addInput("xw").addInput("b").addOutput("y").build());
        g.addOutput("y", Tensors.FLOAT);
        return g.toModel("linear");
    }

    static float[] uniform(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }
}
