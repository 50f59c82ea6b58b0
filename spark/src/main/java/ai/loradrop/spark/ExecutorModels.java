/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.tribuo.LoraDropModel;
import com.google.protobuf.CodedInputStream;
import org.tribuo.Model;
import org.tribuo.protos.core.ModelProto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The executor side of a {@link ModelHandle}: one deserialized {@link LoraDropModel} (with its ONNX Runtime sessions)
 * per handle and JVM, shared by every task and partition that JVM runs, and closed when the JVM shuts down (or by
 * {@link ModelHandle#release()} in the JVM that calls it). Thread-safe.
 */
public final class ExecutorModels {
    private static final Logger logger = Logger.getLogger(ExecutorModels.class.getName());

    /** Models by handle key. */
    private static final Map<Key, LoraDropModel> MODELS = new ConcurrentHashMap<>();
    /** How many models this JVM has deserialized. */
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "loradrop-close-models"));
    }

    /** What identifies one executor-side model: the broadcast and the options applied to it. */
    record Key(long broadcastId, int ensembleSize, long ensembleSeed, int threads, QuantizedMerge quantizedMerge) {}

    private ExecutorModels() {}

    /**
     * The model of a handle, deserialized from its broadcast bytes on the first call in this JVM.
     * @param handle the handle.
     * @return the shared model; do not close it.
     */
    static LoraDropModel get(ModelHandle handle) {
        return MODELS.computeIfAbsent(handle.key(), k -> load(handle));
    }

    private static LoraDropModel load(ModelHandle handle) {
        long t0 = System.nanoTime();
        LoraDropModel model = ModelHandle.withOptions(deserialize(handle.bytes(), handle.description()), handle.key());
        LOADS.incrementAndGet();
        handle.countLoad();
        logger.info(String.format("Loaded %s (K=%d, threads=%d) in %.1f s", handle.description(), model.getEnsembleSize(),
                model.getThreads(), (System.nanoTime() - t0) / 1e9));
        return model;
    }

    /**
     * Reads a model from its Tribuo protobuf bytes.
     * @param bytes the bytes of a model file.
     * @param description what the bytes are, for messages.
     * @return the model.
     * @throws IllegalArgumentException when the bytes do not hold a {@code LoraDropModel}.
     */
    static LoraDropModel deserialize(byte[] bytes, String description) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setSizeLimit(Integer.MAX_VALUE);
            Model<?> m = Model.deserialize(ModelProto.parseFrom(in));
            if (m instanceof LoraDropModel l) {
                return l;
            }
            throw new IllegalArgumentException(description + " holds a " + m.getClass().getName() + ", not a LoraDropModel");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + description + " as a Tribuo protobuf model: " + e.getMessage(), e);
        }
    }

    /**
     * How many models this JVM has deserialized since it started.
     * @return the count.
     */
    public static int loads() {
        return LOADS.get();
    }

    /**
     * Closes and forgets this JVM's model of a handle, if it has one.
     * @param key the handle's key.
     */
    static void close(Key key) {
        LoraDropModel m = MODELS.remove(key);
        if (m != null) {
            m.close();
        }
    }

    /**
     * Closes and forgets every model of this JVM (the shutdown hook's action).
     */
    public static void closeAll() {
        List<Key> keys = new ArrayList<>(MODELS.keySet());
        keys.forEach(ExecutorModels::close);
    }
}
