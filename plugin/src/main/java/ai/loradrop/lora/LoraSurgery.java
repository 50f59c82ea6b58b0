/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.lora;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.LinearModule;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Adds LoRA branches to the targeted Linear layers of an encoder graph:
 * {@code y = W x + b + s · B (A (x ⊙ m_in)) ⊙ m_out}, where the masks are present only with LoRA dropout.
 */
public final class LoraSurgery {
    private LoraSurgery() {}

    /**
     * Supplies the dropout mask of a LoRA site as a graph value.
     */
    public interface MaskSupplier {
        /**
         * The mask multiplying the LoRA branch input, broadcastable to {@code x}, or null for none.
         * @param index the target index.
         * @param module the module.
         * @param x the branch input value.
         * @return the mask value name, or null.
         */
        String inputMask(int index, LinearModule module, String x);

        /**
         * The mask multiplying the LoRA branch output (rows of B), or null for none.
         * @param index the target index.
         * @param module the module.
         * @param branch the branch output value (before scaling).
         * @return the mask value name, or null.
         */
        String outputMask(int index, LinearModule module, String branch);
    }

    /** A mask supplier giving no masks. */
    public static final MaskSupplier NO_MASKS = new MaskSupplier() {
        @Override
        public String inputMask(int index, LinearModule module, String x) {
            return null;
        }

        @Override
        public String outputMask(int index, LinearModule module, String branch) {
            return null;
        }
    };

    /**
     * The Linear layers a configuration targets.
     * @param encoder the encoder.
     * @param config the LoRA configuration.
     * @return the targets, in graph order.
     * @throws IllegalArgumentException when nothing matches; the message lists the module paths that exist.
     */
    public static List<LinearModule> select(EncoderModel encoder, LoraConfig config) {
        List<LinearModule> out = new ArrayList<>();
        for (LinearModule m : encoder.linears()) {
            if (config.matches(m.path())) {
                out.add(m);
            }
        }
        if (out.isEmpty()) {
            String what = config.targetRegex() != null ? "regex '" + config.targetRegex() + "'" : "target modules " + config.targetModules();
            throw new IllegalArgumentException("No Linear layer of the encoder matches " + what + ". Module paths: "
                    + encoder.linears().stream().map(LinearModule::path).toList());
        }
        return out;
    }

    /**
     * Adds the branches. New nodes are appended; call {@link Graph#topoSort()} once the graph is complete.
     * @param g the graph.
     * @param targets the targeted layers.
     * @param scaling the LoRA scale {@code s}.
     * @param a the value holding {@code A} ({@code r × in}) of each target.
     * @param b the value holding {@code B} ({@code out × r}) of each target.
     * @param masks the dropout masks.
     */
    public static void apply(Graph g, List<LinearModule> targets, double scaling, IntFunction<String> a,
                             IntFunction<String> b, MaskSupplier masks) {
        java.util.Map<String, Integer> producers = g.producers();
        for (int i = 0; i < targets.size(); i++) {
            LinearModule m = targets.get(i);
            Integer p = producers.get(m.output());
            if (p == null) {
                throw new IllegalStateException("No node produces the output '" + m.output() + "' of module " + m.path());
            }
            String base = g.fresh("lora_base");
            NodeProto producer = g.nodes().get(p);
            NodeProto.Builder nb = producer.toBuilder();
            for (int k = 0; k < nb.getOutputCount(); k++) {
                if (nb.getOutput(k).equals(m.output())) {
                    nb.setOutput(k, base);
                }
            }
            g.setNode(p, nb.build());
            String x = m.input();
            String inMask = masks.inputMask(i, m, x);
            if (inMask != null) {
                x = g.op("Mul", x, inMask);
            }
            String u = g.op("MatMul", x, g.transpose(a.apply(i), 1, 0));
            String v = g.op("MatMul", u, g.transpose(b.apply(i), 1, 0));
            String outMask = masks.outputMask(i, m, v);
            if (outMask != null) {
                v = g.op("Mul", v, outMask);
            }
            String scaled = g.op("Mul", v, g.scalar((float) scaling));
            g.addNode(NodeProto.newBuilder().setOpType("Add").setName(g.fresh("lora_add"))
                    .addInput(base).addInput(scaled).addOutput(m.output()).build());
        }
    }
}
