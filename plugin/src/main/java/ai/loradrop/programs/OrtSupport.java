/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/**
 * ONNX Runtime plumbing shared by the programs: session creation and tensor helpers.
 */
public final class OrtSupport {
    private OrtSupport() {}

    /** Whether idle ONNX Runtime threads spin-wait (system property {@code loradrop.spin}, default false). */
    static final boolean SPIN = Boolean.getBoolean("loradrop.spin");

    /**
     * The process-wide environment.
     * @return the environment.
     */
    public static OrtEnvironment env() {
        return ai.loradrop.onnx.OrtStartup.environment();
    }

    /**
     * Creates a CPU session for a model.
     * @param model the model.
     * @param threads intra-op threads (0 lets ONNX Runtime choose).
     * @return the session; the caller closes it.
     * @throws OrtException when the model does not load.
     */
    public static OrtSession session(ModelProto model, int threads) throws OrtException {
        return session(model, threads, null);
    }

    /**
     * Creates a CPU session whose large frozen initializers come from shared native tensors.
     * @param model the model.
     * @param threads intra-op threads (0 lets ONNX Runtime choose).
     * @param shared the encoder's shared weights, or null to embed everything.
     * @return the session; the caller closes it.
     * @throws OrtException when the model does not load.
     */
    public static OrtSession session(ModelProto model, int threads, SharedWeights shared) throws OrtException {
        return session(model, threads, shared, true);
    }

    /**
     * Creates a CPU session, choosing whether ONNX Runtime plans memory per input shape.
     * @param model the model.
     * @param threads intra-op threads (0 lets ONNX Runtime choose).
     * @param shared the encoder's shared weights, or null to embed everything.
     * @param memoryPattern false for training steps: a planned block per shape on top of the arena's first-run
     *                      allocations doubles peak memory (1.48 GB instead of 1.0 GB for MiniLM at batch 32, seq 64)
     *                      for no measurable speed-up.
     * @return the session; the caller closes it.
     * @throws OrtException when the model does not load.
     */
    public static OrtSession session(ModelProto model, int threads, SharedWeights shared, boolean memoryPattern)
            throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            if (!memoryPattern) {
                opts.setMemoryPatternOptimization(false);
            }
            ModelProto m = model;
            if (shared != null) {
                SharedWeights.Stripped s = shared.strip(model);
                m = s.model();
                if (!s.externals().isEmpty()) {
                    opts.addExternalInitializers(s.externals());
                }
            }
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setInterOpNumThreads(1);
            opts.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            // Idle pool threads must not spin: several sessions (training, validation, ensembles) share few cores.
            opts.addConfigEntry("session.intra_op.allow_spinning", SPIN ? "1" : "0");
            String profile = System.getProperty("loradrop.profile");
            if (profile != null && !profile.isBlank()) {
                opts.enableProfiling(profile);
            }
            if (threads > 0) {
                opts.setIntraOpNumThreads(threads);
            }
            return env().createSession(m.toByteArray(), opts);
        }
    }

    /**
     * An unoptimised single-thread session for the shape probe, sharing the encoder's weights.
     * @param model the probe model.
     * @param shared the shared weights.
     * @return the session.
     * @throws OrtException when the model does not load.
     */
    static OrtSession probeSession(ModelProto model, SharedWeights shared) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            opts.setIntraOpNumThreads(1);
            opts.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            SharedWeights.Stripped s = shared.strip(model);
            if (!s.externals().isEmpty()) {
                opts.addExternalInitializers(s.externals());
            }
            return env().createSession(s.model().toByteArray(), opts);
        }
    }

    /**
     * A direct, native-order float buffer.
     * @param n the capacity.
     * @return the buffer.
     */
    public static FloatBuffer floatBuffer(int n) {
        return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * A float tensor over a copy of the values.
     * @param values the values.
     * @param shape the shape.
     * @return the tensor; the caller closes it.
     * @throws OrtException on failure.
     */
    public static OnnxTensor floats(float[] values, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env(), FloatBuffer.wrap(values), shape);
    }

    /**
     * An int64 tensor over a copy of the values.
     * @param values the values.
     * @param shape the shape.
     * @return the tensor; the caller closes it.
     * @throws OrtException on failure.
     */
    public static OnnxTensor longs(long[] values, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env(), LongBuffer.wrap(values), shape);
    }

    /**
     * An int32 tensor over a copy of the values.
     * @param values the values.
     * @param shape the shape.
     * @return the tensor; the caller closes it.
     * @throws OrtException on failure.
     */
    public static OnnxTensor ints(int[] values, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env(), java.nio.IntBuffer.wrap(values), shape);
    }

    /**
     * Closes every tensor of a feed map, ignoring none of the failures.
     * @param feeds the tensors.
     */
    public static void closeAll(Map<String, OnnxTensor> feeds) {
        for (OnnxTensor t : feeds.values()) {
            t.close();
        }
        feeds.clear();
    }

    /**
     * Reads a float output into a fresh array.
     * @param r the result.
     * @param name the output name.
     * @return the values.
     * @throws OrtException on failure.
     */
    public static float[] readFloats(OrtSession.Result r, String name) throws OrtException {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow(() -> new IllegalStateException("Missing output " + name));
        FloatBuffer fb = t.getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }
}
