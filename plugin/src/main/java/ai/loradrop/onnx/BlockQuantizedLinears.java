/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Finds, reads and writes 4-bit blockwise Linear layers in ONNX Runtime's {@code com.microsoft:MatMulNBits} form
 * ({@link BaseQuantization#INT4}).
 * <p>
 * A layer {@code y = x W} ({@code W} of shape {@code [K, N]}) is one node {@code MatMulNBits(x, B, scales)} with
 * attributes {@code K}, {@code N}, {@code bits = 4}, {@code block_size}: for each output column {@code n} its
 * {@code K} weights are cut into blocks of {@code block_size} along {@code K} (the last block zero-padded), each block
 * with one float scale. {@code B} is uint8 {@code [N, blocks, block_size / 2]}, two 4-bit values per byte (element
 * {@code 2j} in the low nibble, {@code 2j + 1} in the high one), unsigned with the default zero point 8;
 * {@code scales} is float {@code [N · blocks]}. So {@code W[k][n] = scales[n][k / block_size] · (q[n][k] − 8)}.
 */
public final class BlockQuantizedLinears {
    private static final Logger LOG = Logger.getLogger(BlockQuantizedLinears.class.getName());

    /** The operator domain of {@code MatMulNBits} and {@code GatherBlockQuantized}. */
    public static final String DOMAIN = Graph.CONTRIB_DOMAIN;
    /** The block size this class writes: input features per scale, along each output column. */
    public static final int BLOCK_SIZE = 32;
    /** Bits per weight. */
    public static final int BITS = 4;
    /** The implicit zero point of an unsigned 4-bit weight (no {@code zero_points} input). */
    public static final int ZERO_POINT = 8;
    /** Largest magnitude of a symmetric 4-bit weight this class writes ({@code scale = max|w| / QMAX}). */
    public static final int QMAX = 7;
    /**
     * Suffix of the name of the float {@code MatMul} node that computes a 4-bit layer's input gradient (after the
     * layer's node name), so that profiles can attribute it to the frozen layer.
     */
    public static final String INPUT_GRADIENT_SUFFIX = "_input_gradient";

    private BlockQuantizedLinears() {}

    /**
     * One 4-bit Linear found in a graph.
     * @param input the float activation {@code x}.
     * @param output the value {@code x W} (before any bias).
     * @param weight the uint8 initializer {@code B}, {@code [N, blocks, blockSize / 2]}.
     * @param scales the float initializer of the scales, {@code [N · blocks]}.
     * @param inFeatures {@code K}.
     * @param outFeatures {@code N}.
     * @param blockSize input features per block.
     * @param matMul the {@code MatMulNBits} node (its name and metadata give the module path).
     */
    public record Match(String input, String output, String weight, String scales, int inFeatures, int outFeatures,
                        int blockSize, NodeProto matMul) {
        /**
         * Blocks per output column.
         * @return {@code ceil(K / blockSize)}.
         */
        public int blocks() {
            return BlockQuantizedLinears.blocks(inFeatures, blockSize);
        }
    }

    /**
     * The 4-bit form of one weight.
     * @param data the packed bytes, {@code [N, blocks, blockSize / 2]} row-major.
     * @param scales the scales, {@code [N, blocks]} row-major.
     */
    public record Packed(byte[] data, float[] scales) {}

    /**
     * Blocks per output column.
     * @param k the input width.
     * @param blockSize the block size.
     * @return {@code ceil(k / blockSize)}.
     */
    public static int blocks(int k, int blockSize) {
        return (k + blockSize - 1) / blockSize;
    }

    /**
     * Every 4-bit Linear of a node list ({@code MatMulNBits} with {@code bits = 4}, constant {@code B} and scales and
     * no zero points), in graph order.
     * @param nodes the nodes.
     * @param inits the initializers by name.
     * @return the matches.
     */
    public static List<Match> find(List<NodeProto> nodes, Map<String, TensorProto> inits) {
        List<Match> out = new ArrayList<>();
        for (NodeProto n : nodes) {
            if (!n.getOpType().equals("MatMulNBits") || !n.getDomain().equals(DOMAIN) || n.getInputCount() < 3
                    || n.getOutputCount() != 1) {
                continue;
            }
            // Optional inputs after the scales (zero points, group index, bias) must be absent.
            boolean extra = false;
            for (int i = 3; i < n.getInputCount(); i++) {
                extra |= !n.getInput(i).isEmpty();
            }
            long k = Attr.getInt(n, "K", -1);
            long nOut = Attr.getInt(n, "N", -1);
            long bits = Attr.getInt(n, "bits", BITS);
            long bs = Attr.getInt(n, "block_size", -1);
            TensorProto b = inits.get(n.getInput(1));
            TensorProto s = inits.get(n.getInput(2));
            if (extra || bits != BITS || k <= 0 || nOut <= 0 || bs < 16 || (bs & (bs - 1)) != 0 || b == null || s == null
                    || b.getDataType() != QuantizedLinears.UINT8 || s.getDataType() != Tensors.FLOAT) {
                continue;
            }
            int blocks = blocks((int) k, (int) bs);
            if (Tensors.size(Tensors.dims(b)) != nOut * blocks * (bs / 2) || Tensors.size(Tensors.dims(s)) != nOut * blocks) {
                continue;
            }
            out.add(new Match(n.getInput(0), n.getOutput(0), b.getName(), s.getName(), (int) k, (int) nOut, (int) bs, n));
        }
        return out;
    }

    /**
     * Quantizes a float {@code [in, out]} weight to 4 bits, symmetric per block of {@link #BLOCK_SIZE} input features
     * along each output column: {@code s = max|w| / }{@value #QMAX} over the block (1 for an all-zero block),
     * {@code q = clamp(round(w / s), −8, 7) + 8}, packed two per byte. A last partial block is padded with zeros.
     * @param w the weight, row-major {@code [in, out]}.
     * @param in rows ({@code K}).
     * @param out columns ({@code N}).
     * @return the packed bytes and scales.
     */
    public static Packed quantize(float[] w, int in, int out) {
        int bs = BLOCK_SIZE;
        int blocks = blocks(in, bs);
        byte[] data = new byte[out * blocks * bs / 2];
        float[] scales = new float[out * blocks];
        for (int n = 0; n < out; n++) {
            for (int b = 0; b < blocks; b++) {
                float max = 0;
                for (int k = b * bs; k < Math.min(in, (b + 1) * bs); k++) {
                    max = Math.max(max, Math.abs(w[k * out + n]));
                }
                float s = max > 0 ? max / QMAX : 1f;
                scales[n * blocks + b] = s;
                for (int j = 0; j < bs / 2; j++) {
                    int k0 = b * bs + 2 * j;
                    int lo = level(k0 < in ? w[k0 * out + n] / s : 0f);
                    int hi = level(k0 + 1 < in ? w[(k0 + 1) * out + n] / s : 0f);
                    data[(n * blocks + b) * (bs / 2) + j] = (byte) (lo | hi << 4);
                }
            }
        }
        return new Packed(data, scales);
    }

    private static int level(float v) {
        return (int) Math.max(-8, Math.min(7, Math.round(v))) + ZERO_POINT;
    }

    /**
     * The float weight of packed 4-bit data, {@code [in, out]} row-major.
     * @param data the packed bytes, {@code [out, blocks, blockSize / 2]}.
     * @param scales the scales, {@code [out, blocks]}.
     * @param in rows ({@code K}).
     * @param out columns ({@code N}).
     * @param blockSize the block size.
     * @return {@code W[k][n] = s[n][k / blockSize] · (q[n][k] − 8)}.
     */
    public static float[] dequantize(byte[] data, float[] scales, int in, int out, int blockSize) {
        int blocks = blocks(in, blockSize);
        float[] w = new float[in * out];
        for (int n = 0; n < out; n++) {
            for (int k = 0; k < in; k++) {
                int b = k / blockSize;
                int within = k % blockSize;
                int v = data[(n * blocks + b) * (blockSize / 2) + within / 2] & 0xff;
                int q = (within & 1) == 0 ? v & 0x0f : v >>> 4;
                w[k * out + n] = scales[n * blocks + b] * (q - ZERO_POINT);
            }
        }
        return w;
    }

    /**
     * The float weight {@code [in, out]} of a 4-bit Linear.
     * @param m the layer.
     * @param inits the initializers by name.
     * @return the dequantized weight, row-major.
     */
    public static float[] dequantize(Match m, Map<String, TensorProto> inits) {
        return dequantize(bytes(inits.get(m.weight())), Tensors.toFloats(inits.get(m.scales())), m.inFeatures(),
                m.outFeatures(), m.blockSize());
    }

    private static byte[] bytes(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalStateException("Tensor '" + t.getName() + "' holds external data that was not loaded");
        }
        if (!t.getRawData().isEmpty()) {
            return t.getRawData().toByteArray();
        }
        int[] v = QuantizedLinears.toInts(t);
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /**
     * A uint8 tensor.
     * @param name the name.
     * @param dims the shape.
     * @param data the bytes.
     * @return the tensor.
     */
    public static TensorProto uint8s(String name, long[] dims, byte[] data) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(QuantizedLinears.UINT8)
                .setRawData(ByteString.copyFrom(data));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /**
     * Rewrites the given float {@code MatMul} Linear layers into {@code MatMulNBits} with 4-bit weights
     * ({@link #quantize}); activations stay float. Node names and metadata keep the module paths; the float weights
     * are dropped (unless another node still reads them). A width {@code K} that is not a multiple of
     * {@link #BLOCK_SIZE} is padded in the last block (logged).
     * @param model the model.
     * @param linears the float Linear layers to quantize (MatMul with an {@code [in, out]} weight).
     * @return the rewritten model, importing {@link #DOMAIN}.
     */
    public static ModelProto quantizeLinears(ModelProto model, List<LinearModule> linears) {
        Map<String, TensorProto> inits = LinearRewrites.initializers(model);
        Map<String, LinearModule> byNode = LinearRewrites.floatMatMulsByNode(linears, "4 bits");
        Map<String, String[]> packedWeights = new HashMap<>();
        List<TensorProto> newInits = new ArrayList<>();
        List<NodeProto> nodes = new ArrayList<>();
        Set<String> dropped = new HashSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            LinearModule m = byNode.get(n.getName());
            if (m == null || !n.getOpType().equals("MatMul")) {
                nodes.add(n);
                continue;
            }
            int k = m.inFeatures();
            int o = m.outFeatures();
            int blocks = blocks(k, BLOCK_SIZE);
            String[] w = packedWeights.computeIfAbsent(m.weight(), name -> {
                if (k % BLOCK_SIZE != 0) {
                    LOG.fine(() -> m.path() + ": " + k + " input features are not a multiple of " + BLOCK_SIZE
                            + "; the last 4-bit block of each output column is zero-padded");
                }
                Packed p = quantize(Tensors.toFloats(inits.get(name)), k, o);
                String base = name + "_int4";
                newInits.add(uint8s(base, new long[]{o, blocks, BLOCK_SIZE / 2}, p.data()));
                newInits.add(Tensors.floats(base + "_scales", new long[]{(long) o * blocks}, p.scales()));
                dropped.add(name);
                return new String[]{base, base + "_scales"};
            });
            nodes.add(NodeProto.newBuilder().setOpType("MatMulNBits").setDomain(DOMAIN).setName(n.getName() + "_int4")
                    .addInput(n.getInput(0)).addInput(w[0]).addInput(w[1]).addOutput(n.getOutput(0))
                    .addAttribute(Attr.i("K", k)).addAttribute(Attr.i("N", o)).addAttribute(Attr.i("bits", BITS))
                    .addAttribute(Attr.i("block_size", BLOCK_SIZE)).addAttribute(Attr.i("accuracy_level", 0))
                    .addAllMetadataProps(n.getMetadataPropsList()).build());
        }
        return Graph.withContribDomain(LinearRewrites.withNodes(model, nodes, dropped, newInits));
    }
}
