/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bookkeeping shared by the rewrites that quantize float {@code MatMul} Linear layers at load
 * ({@link QuantizedLinears#quantizeLinears}, {@link BlockQuantizedLinears#quantizeLinears}).
 */
final class LinearRewrites {
    private LinearRewrites() {}

    /**
     * The initializers of a model by name.
     * @param model the model.
     * @return the initializers.
     */
    static Map<String, TensorProto> initializers(ModelProto model) {
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            inits.put(t.getName(), t);
        }
        return inits;
    }

    /**
     * The layers to rewrite by node name, refusing any that is not a float {@code MatMul} with an {@code [in, out]}
     * weight.
     * @param linears the layers.
     * @param target what they are rewritten to, for the error ("int8", "4 bits").
     * @return the layers by node name.
     */
    static Map<String, LinearModule> floatMatMulsByNode(List<LinearModule> linears, String target) {
        Map<String, LinearModule> byNode = new HashMap<>();
        for (LinearModule m : linears) {
            if (m.isQuantized() || m.weightTransposed()) {
                throw new IllegalArgumentException("Cannot quantize " + m.path() + " to " + target
                        + ": only float MatMul layers are supported");
            }
            byNode.put(m.nodeName(), m);
        }
        return byNode;
    }

    /**
     * The model with a new node list and the new initializers; the replaced float weights are dropped unless a node
     * still reads them.
     * @param model the model.
     * @param nodes the rewritten nodes.
     * @param replaced the initializers the rewrite replaced.
     * @param added the new initializers.
     * @return the rewritten model.
     */
    static ModelProto withNodes(ModelProto model, List<NodeProto> nodes, Set<String> replaced, List<TensorProto> added) {
        Set<String> stillUsed = new HashSet<>();
        for (NodeProto n : nodes) {
            stillUsed.addAll(n.getInputList());
        }
        GraphProto.Builder g = model.getGraph().toBuilder().clearNode().addAllNode(nodes).clearInitializer();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (!replaced.contains(t.getName()) || stillUsed.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        g.addAllInitializer(added);
        return model.toBuilder().setGraph(g).build();
    }
}
