/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.onnx.EncoderModel;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The frozen weights of an encoder, held once in native memory and shared by every session built on it (training
 * step, shape probe, prediction, ensemble).
 * <p>
 * Each program's graph goes to ONNX Runtime with its large frozen initializers replaced by external-data stubs, and
 * the session receives the shared tensors through {@code addExternalInitializers}, which ONNX Runtime uses without
 * copying. So a session is created from a model of a few hundred kilobytes instead of the whole encoder, and the
 * weights exist once however many programs are open.
 */
public final class SharedWeights {
    /** Initializers at least this large are shared. */
    static final int MIN_BYTES = 64 * 1024;
    private static final String LOCATION = "loradrop-shared-weights";
    private static final Map<EncoderModel, SharedWeights> CACHE = Collections.synchronizedMap(new WeakHashMap<>());
    private static final Cleaner CLEANER = Cleaner.create();

    private final Map<String, OnnxTensor> tensors;
    private final Map<String, TensorProto> originals;

    private SharedWeights(EncoderModel encoder) throws OrtException {
        Map<String, OnnxTensor> t = new HashMap<>();
        Map<String, TensorProto> o = new HashMap<>();
        for (TensorProto init : encoder.model().getGraph().getInitializerList()) {
            // Raw data is little-endian; on a big-endian host the weights simply stay embedded.
            if (init.getDataType() == TensorProto.DataType.FLOAT_VALUE && init.getRawData().size() >= MIN_BYTES
                    && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                ByteBuffer bb = ByteBuffer.allocateDirect(init.getRawData().size()).order(ByteOrder.LITTLE_ENDIAN);
                init.getRawData().copyTo(bb);
                bb.rewind();
                long[] dims = init.getDimsList().stream().mapToLong(Long::longValue).toArray();
                t.put(init.getName(), OnnxTensor.createTensor(OrtSupport.env(), bb.asFloatBuffer(), dims));
                o.put(init.getName(), init);
            }
        }
        this.tensors = Collections.unmodifiableMap(t);
        this.originals = o;
        List<OnnxTensor> toClose = new ArrayList<>(t.values());
        CLEANER.register(this, () -> toClose.forEach(OnnxTensor::close));
    }

    /**
     * The shared weights of an encoder, created on first use.
     * @param encoder the encoder.
     * @return the shared weights.
     * @throws OrtException when a tensor cannot be created.
     */
    public static SharedWeights of(EncoderModel encoder) throws OrtException {
        synchronized (CACHE) {
            SharedWeights s = CACHE.get(encoder);
            if (s == null) {
                s = new SharedWeights(encoder);
                CACHE.put(encoder, s);
            }
            return s;
        }
    }

    /**
     * Number of shared initializers.
     * @return the count.
     */
    public int size() {
        return tensors.size();
    }

    /**
     * Replaces the shared initializers of a model with external-data stubs. Initializers whose name is shared but
     * whose content differs (none today) are left embedded.
     * @param model the model.
     * @return the stripped model and the tensors its session needs.
     */
    Stripped strip(ModelProto model) {
        GraphProto.Builder gb = model.getGraph().toBuilder();
        Map<String, OnnxTensorLike> used = new HashMap<>();
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto init = gb.getInitializer(i);
            TensorProto orig = originals.get(init.getName());
            if (orig != null && init.getRawData() == orig.getRawData()) {
                gb.setInitializer(i, TensorProto.newBuilder().setName(init.getName()).setDataType(init.getDataType())
                        .addAllDims(init.getDimsList()).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(LOCATION))
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(String.valueOf(init.getRawData().size())))
                        .build());
                used.put(init.getName(), tensors.get(init.getName()));
            }
        }
        return new Stripped(model.toBuilder().setGraph(gb).build(), used);
    }

    /**
     * A model without its shared weights, and the tensors to hand to its session.
     * @param model the stripped model.
     * @param externals the shared tensors it references.
     */
    record Stripped(ModelProto model, Map<String, OnnxTensorLike> externals) {}
}
