/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Finds the element type and shape of every value of a graph by running it once in ONNX Runtime with every
 * intermediate value requested as an output.
 */
public final class ShapeProbe {
    private ShapeProbe() {}

    /**
     * Probes a model.
     * @param model the model; its outputs are replaced by every node output for the probe.
     * @param feeds the input tensors (owned by the caller).
     * @return the metadata of every node output and every input.
     * @throws OrtException when ONNX Runtime fails to run the model.
     */
    public static Map<String, ValueMeta> probe(ModelProto model, Map<String, OnnxTensor> feeds) throws OrtException {
        return probe(model, feeds, null);
    }

    /**
     * Probes a model whose session is created by the caller (for example with shared external initializers).
     * @param model the model.
     * @param feeds the input tensors (owned by the caller).
     * @param sessions creates the probe session from the rewritten model, or null for a plain session.
     * @return the metadata of every node output, input and initializer.
     * @throws OrtException when ONNX Runtime fails to run the model.
     */
    public static Map<String, ValueMeta> probe(ModelProto model, Map<String, OnnxTensor> feeds, SessionFactory sessions)
            throws OrtException {
        Set<String> values = new LinkedHashSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    values.add(o);
                }
            }
        }
        var g = model.getGraph().toBuilder().clearOutput();
        for (String v : values) {
            g.addOutput(ValueInfoProto.newBuilder().setName(v));
        }
        ModelProto probeModel = model.toBuilder().setGraph(g).build();
        OrtEnvironment env = ai.loradrop.onnx.OrtStartup.environment();
        Map<String, ValueMeta> meta = new HashMap<>();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            opts.setIntraOpNumThreads(1);
            opts.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            try (OrtSession s = sessions != null ? sessions.create(probeModel) : env.createSession(probeModel.toByteArray(), opts);
                 OrtSession.Result r = s.run(feeds)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (e.getValue().getInfo() instanceof TensorInfo ti) {
                        meta.put(e.getKey(), new ValueMeta(onnxType(ti), ti.getShape()));
                    }
                }
            }
        }
        for (Map.Entry<String, OnnxTensor> e : feeds.entrySet()) {
            TensorInfo ti = e.getValue().getInfo();
            meta.put(e.getKey(), new ValueMeta(onnxType(ti), ti.getShape()));
        }
        for (var t : model.getGraph().getInitializerList()) {
            meta.put(t.getName(), new ValueMeta(t.getDataType(), t.getDimsList().stream().mapToLong(Long::longValue).toArray()));
        }
        return meta;
    }

    /** ONNX Runtime's Java enum numbers element types differently from the ONNX protobuf; map by name. */
    private static int onnxType(TensorInfo ti) {
        String name = ti.onnxType.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length());
        try {
            return ai.onnx.proto.OnnxMl.TensorProto.DataType.valueOf(name).getNumber();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    /**
     * Creates the probe's session.
     */
    @FunctionalInterface
    public interface SessionFactory {
        /**
         * Creates a session.
         * @param model the model to load.
         * @return the session; the probe closes it.
         * @throws OrtException on failure.
         */
        OrtSession create(ModelProto model) throws OrtException;
    }
}
