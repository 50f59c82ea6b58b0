/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.lora;

import ai.loradrop.onnx.Graph;

/**
 * A counter-based hash random number generator for dropout masks, computed identically in Java and inside an ONNX
 * graph.
 * <p>
 * A mask element is a pure function of a key and the element's index, and the key a pure function of
 * (seed, step, module, site), so a training run is reproducible for a seed and resumable from any step without
 * carrying generator state. Keys are derived in Java (int64 arithmetic modulo the prime {@code 2^31 − 1}); the
 * per-element hash runs in the graph as int32 multiply-add and squaring rounds with wrap-around, operators that
 * every opset provides and that ONNX Runtime vectorises (bitwise operators need opset 18, which exported encoders
 * rarely use, and int64 division is slow). A mask element is dropped when the signed hash is below
 * {@code floor(p · 2^32) − 2^31}, an integer comparison, so the Java and graph masks agree exactly.
 */
public final class MaskRng {
    /** The modulus of the key derivation, the Mersenne prime 2^31 − 1. */
    public static final long MODULUS = 2147483647L;
    private static final long[][] KEY_ROUNDS = {
            {1103515245L, 12345L, 777767777L, 8192L},
            {1664525L, 1013904223L, 1234567L, 131072L},
            {69069L, 1L, 987654321L, 2048L},
    };
    /** Element hash rounds: multiply-add, square-add, multiply-add, square-add, multiply-add (int32, wrapping). */
    private static final int[] ELEMENT = {0x9E3779B1, 0x7F4A7C15, 0x1B873593, 0x85EBCA6B, 0x2545F491, 0x68E31DA4,
            0xC2B2AE35, 0x165667B1};

    /** Site of the LoRA input mask (INPUT mode) or of the mask over the columns of A (SPARSE mode). */
    public static final int SITE_IN = 0;
    /** Site of the mask over the rows of B (SPARSE mode). */
    public static final int SITE_OUT = 1;
    /** Module index used for the head dropout mask. */
    public static final int HEAD_MODULE = 1_000_000;

    private MaskRng() {}

    private static long keyMix(long x) {
        long v = x;
        for (long[] r : KEY_ROUNDS) {
            v = (v * r[0] + r[1]) % MODULUS;
            v = (v * v + r[2]) % MODULUS;
            v = (v + v / r[3]) % MODULUS;
        }
        return v;
    }

    /**
     * The key of one mask.
     * @param seed the run seed.
     * @param step the training step (or the ensemble member).
     * @param module the module index.
     * @param site the mask site within the module.
     * @return the key, in [0, 2^31 − 1).
     */
    public static int key(long seed, long step, int module, int site) {
        long k = keyMix(Math.floorMod(seed, MODULUS));
        k = keyMix((k + Math.floorMod(step, MODULUS)) % MODULUS);
        k = keyMix((k + (long) module * 7919L + 1) % MODULUS);
        return (int) keyMix((k + (long) site * 104729L + 7) % MODULUS);
    }

    /**
     * The hash of one element.
     * @param key the mask key.
     * @param index the element index.
     * @return the signed 32-bit hash, uniform over all int values.
     */
    public static int hash(int key, int index) {
        int v = index + key;
        v = v * ELEMENT[0] + ELEMENT[1];
        v = v * v + ELEMENT[2];
        v = v * ELEMENT[3] + ELEMENT[4];
        v = v * v + ELEMENT[5];
        return v * ELEMENT[6] + ELEMENT[7];
    }

    /**
     * The signed threshold below which an element is dropped.
     * @param p the drop probability in [0, 1).
     * @return {@code floor(p · 2^32) − 2^31}.
     */
    public static int threshold(double p) {
        return (int) ((long) Math.floor(p * 4294967296.0) - 2147483648L);
    }

    /**
     * Whether an element is kept.
     * @param key the mask key.
     * @param index the element index.
     * @param p the drop probability.
     * @return true when kept.
     */
    public static boolean keep(int key, int index, double p) {
        return hash(key, index) >= threshold(p);
    }

    /**
     * Fills a mask with keep values: {@code keepValue} for kept elements, 0 for dropped ones.
     * @param key the mask key.
     * @param firstIndex the index of element 0.
     * @param out the mask to fill.
     * @param p the drop probability.
     * @param keepValue the value of a kept element.
     */
    public static void fill(int key, int firstIndex, float[] out, double p, float keepValue) {
        int thr = threshold(p);
        for (int i = 0; i < out.length; i++) {
            out[i] = hash(key, firstIndex + i) >= thr ? keepValue : 0f;
        }
    }

    private static String int32(Graph g, int v) {
        return g.addInitializer(ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName(g.fresh("c"))
                .setDataType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT32_VALUE).addInt32Data(v).build());
    }

    /**
     * Builds the same hash inside a graph.
     * @param g the graph.
     * @param key an int32 scalar value holding the key.
     * @param index an int32 tensor of element indices.
     * @return an int32 tensor of hashes, shaped like {@code index}.
     */
    public static String hashInGraph(Graph g, String key, String index) {
        String v = g.op("Add", index, key);
        v = g.op("Add", g.op("Mul", v, int32(g, ELEMENT[0])), int32(g, ELEMENT[1]));
        v = g.op("Add", g.op("Mul", v, v), int32(g, ELEMENT[2]));
        v = g.op("Add", g.op("Mul", v, int32(g, ELEMENT[3])), int32(g, ELEMENT[4]));
        v = g.op("Add", g.op("Mul", v, v), int32(g, ELEMENT[5]));
        return g.op("Add", g.op("Mul", v, int32(g, ELEMENT[6])), int32(g, ELEMENT[7]));
    }

    /**
     * Builds a float keep mask inside a graph.
     * @param g the graph.
     * @param key an int32 scalar value holding the key.
     * @param index an int32 tensor of element indices.
     * @param p the drop probability.
     * @param keepValue the value of a kept element.
     * @return a float tensor shaped like {@code index}.
     */
    public static String maskInGraph(Graph g, String key, String index, double p, float keepValue) {
        String h = hashInGraph(g, key, index);
        String dropped = g.op("Less", h, int32(g, threshold(p)));
        String kept = g.cast(g.op("Not", dropped), ai.loradrop.onnx.Tensors.FLOAT);
        return keepValue == 1f ? kept : g.op("Mul", kept, g.scalar(keepValue));
    }
}
