/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.lora;

import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.Tensors;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskRngTest {

    @ParameterizedTest
    @ValueSource(ints = {11, 14, 18})
    void graphMasksEqualJavaMasks(int opset) throws Exception {
        ModelProto base = ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(GraphProto.newBuilder().setName("g").addNode(NodeProto.newBuilder().setOpType("Identity")
                        .addInput("key").addOutput("unused"))).build();
        Graph g = new Graph(base, "/t/");
        g.addInput("key", Tensors.INT32);
        g.addInput("index", Tensors.INT32, 5000L);
        String m = MaskRng.maskInGraph(g, "key", "index", 0.3, 1f / 0.7f);
        g.addNode(NodeProto.newBuilder().setOpType("Identity").setName("o").addInput(m).addOutput("mask").build());
        g.addOutput("mask", Tensors.FLOAT);
        int key = MaskRng.key(42, 17, 3, MaskRng.SITE_OUT);
        int[] idx = new int[5000];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = 2_147_480_000 + i; // crosses the int32 wrap-around
        }
        float[] expected = new float[5000];
        MaskRng.fill(key, 2_147_480_000, expected, 0.3, 1f / 0.7f);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(g.toModel("mask").toByteArray());
             OnnxTensor k = OnnxTensor.createTensor(env, IntBuffer.wrap(new int[]{key}), new long[0]);
             OnnxTensor i = OnnxTensor.createTensor(env, IntBuffer.wrap(idx), new long[]{idx.length});
             OrtSession.Result r = s.run(Map.of("key", k, "index", i))) {
            FloatBuffer fb = ((OnnxTensor) r.get("mask").get()).getFloatBuffer();
            float[] got = new float[fb.remaining()];
            fb.get(got);
            assertArrayEquals(expected, got);
        }
    }

    @Test
    void dropRateAndIndependence() {
        int key = MaskRng.key(1, 1, 0, 0);
        int n = 1_000_000;
        double p = 0.1;
        int dropped = 0;
        int pairs = 0;
        boolean prev = MaskRng.keep(key, 0, p);
        for (int i = 0; i < n; i++) {
            boolean k = MaskRng.keep(key, i, p);
            if (!k) {
                dropped++;
                if (!prev) {
                    pairs++;
                }
            }
            prev = k;
        }
        double rate = dropped / (double) n;
        // Binomial standard deviation is 3e-4; allow 5 of them.
        assertEquals(p, rate, 1.5e-3, "drop rate");
        // Adjacent elements should drop together with probability p^2.
        assertEquals(p * p, pairs / (double) n, 1e-3, "adjacent drops look independent");
        // Uniformity of the hash over 10 bins.
        int[] bins = new int[10];
        for (int i = 0; i < n; i++) {
            bins[(int) (((long) MaskRng.hash(key, i) + 2147483648L) * 10 / 4294967296L)]++;
        }
        for (int b : bins) {
            assertEquals(n / 10.0, b, 1500, "bin count");
        }
    }

    @Test
    void keysDependOnEveryComponent() {
        int k = MaskRng.key(5, 9, 2, 0);
        assertNotEquals(k, MaskRng.key(6, 9, 2, 0));
        assertNotEquals(k, MaskRng.key(5, 10, 2, 0));
        assertNotEquals(k, MaskRng.key(5, 9, 3, 0));
        assertNotEquals(k, MaskRng.key(5, 9, 2, 1));
        assertEquals(k, MaskRng.key(5, 9, 2, 0));
        assertTrue(k >= 0 && k < MaskRng.MODULUS);
    }
}
