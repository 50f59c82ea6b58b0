package ai.loradrop.lora;

import ai.loradrop.onnx.Graph;

/**
 * A counter-based hash random number generator for dropout masks, computed identically in Java and inside an ONNX
 * graph.
 * <p>
 * A mask element is a pure function of a key and the element's index, and the key a pure function of
 * (seed, step, module, site), so a training run is reproducible for a seed and resumable from any step without
 * carrying generator state. The arithmetic is int64 modulo the prime {@code 2^31 − 1} with multiply-add, squaring and
 * shift-add rounds, all in operators that every ONNX opset from 11 on provides (Bitwise operators need opset 18,
 * which exported encoders rarely use). A mask element is kept when the hash is at least {@code ceil(p · (2^31 − 1))},
 * a comparison made in integers, so the Java and graph masks agree exactly.
 */
public final class MaskRng {
    /** The modulus, the Mersenne prime 2^31 − 1. */
    public static final long MODULUS = 2147483647L;
    private static final long[][] ROUNDS = {
            {1103515245L, 12345L, 777767777L, 8192L},
            {1664525L, 1013904223L, 1234567L, 131072L},
            {69069L, 1L, 987654321L, 2048L},
    };

    /** Site of the LoRA input mask (INPUT mode) or of the mask over the columns of A (SPARSE mode). */
    public static final int SITE_IN = 0;
    /** Site of the mask over the rows of B (SPARSE mode). */
    public static final int SITE_OUT = 1;
    /** Module index used for the head dropout mask. */
    public static final int HEAD_MODULE = 1_000_000;

    private MaskRng() {}

    private static long mix(long x) {
        long v = x;
        for (long[] r : ROUNDS) {
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
    public static long key(long seed, long step, int module, int site) {
        long k = mix(Math.floorMod(seed, MODULUS));
        k = mix((k + Math.floorMod(step, MODULUS)) % MODULUS);
        k = mix((k + (long) module * 7919L + 1) % MODULUS);
        return mix((k + (long) site * 104729L + 7) % MODULUS);
    }

    /**
     * The hash of one element.
     * @param key the mask key.
     * @param index the element index (non-negative).
     * @return the hash, in [0, 2^31 − 1).
     */
    public static long hash(long key, long index) {
        return mix((index % MODULUS + key) % MODULUS);
    }

    /**
     * The integer threshold below which an element is dropped.
     * @param p the drop probability.
     * @return {@code ceil(p · (2^31 − 1))}.
     */
    public static long threshold(double p) {
        return (long) Math.ceil(p * MODULUS);
    }

    /**
     * Whether an element is kept.
     * @param key the mask key.
     * @param index the element index.
     * @param p the drop probability.
     * @return true when kept.
     */
    public static boolean keep(long key, long index, double p) {
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
    public static void fill(long key, long firstIndex, float[] out, double p, float keepValue) {
        long thr = threshold(p);
        for (int i = 0; i < out.length; i++) {
            out[i] = hash(key, firstIndex + i) >= thr ? keepValue : 0f;
        }
    }

    /**
     * Builds the same hash inside a graph.
     * @param g the graph.
     * @param key an int64 scalar value holding the key.
     * @param index an int64 tensor of element indices.
     * @return an int64 tensor of hashes, shaped like {@code index}.
     */
    public static String hashInGraph(Graph g, String key, String index) {
        String mod = g.scalarLong(MODULUS);
        String v = g.op("Mod", g.op("Add", g.op("Mod", index, mod), key), mod);
        for (long[] r : ROUNDS) {
            v = g.op("Mod", g.op("Add", g.op("Mul", v, g.scalarLong(r[0])), g.scalarLong(r[1])), mod);
            v = g.op("Mod", g.op("Add", g.op("Mul", v, v), g.scalarLong(r[2])), mod);
            v = g.op("Mod", g.op("Add", v, g.op("Div", v, g.scalarLong(r[3]))), mod);
        }
        return v;
    }

    /**
     * Builds a float keep mask inside a graph.
     * @param g the graph.
     * @param key an int64 scalar value holding the key.
     * @param index an int64 tensor of element indices.
     * @param p the drop probability.
     * @param keepValue the value of a kept element.
     * @return a float tensor shaped like {@code index}.
     */
    public static String maskInGraph(Graph g, String key, String index, double p, float keepValue) {
        String h = hashInGraph(g, key, index);
        String dropped = g.op("Less", h, g.scalarLong(threshold(p)));
        String kept = g.cast(g.op("Not", dropped), ai.loradrop.onnx.Tensors.FLOAT);
        return keepValue == 1f ? kept : g.op("Mul", kept, g.scalar(keepValue));
    }
}
