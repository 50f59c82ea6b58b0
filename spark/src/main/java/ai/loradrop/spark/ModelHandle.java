/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.tribuo.LoraDropModel;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A serialized {@link LoraDropModel} made available to the executors: the model file's bytes travel once per executor
 * (a Spark broadcast), and each executor JVM deserializes them once into a model shared by all its tasks
 * ({@link ExecutorModels}). The handle also carries the prediction options applied there (ensemble size and seed,
 * ONNX Runtime threads) and what the driver needs without a model: the label domain and the text keys.
 * <p>
 * Created on the driver with {@link #create}; serializable, so tasks capture it. {@link #loads()} counts the
 * deserializations the executors did for this handle (a Spark accumulator, so only successful tasks count).
 */
public final class ModelHandle implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> bytes;
    private final String description;
    private final int ensembleSize;
    private final long ensembleSeed;
    private final int threads;
    private final QuantizedMerge quantizedMerge;
    private final ImmutableOutputInfo<Label> domain;
    private final String pairKey;
    private final LongAccumulator loads;
    /** Whether {@link #release()} has run in this JVM (the driver's). */
    private transient boolean released;

    private ModelHandle(Broadcast<byte[]> bytes, String description, int ensembleSize, long ensembleSeed, int threads,
                        QuantizedMerge quantizedMerge, ImmutableOutputInfo<Label> domain, String pairKey,
                        LongAccumulator loads) {
        this.bytes = bytes;
        this.description = description;
        this.ensembleSize = ensembleSize;
        this.ensembleSeed = ensembleSeed;
        this.threads = threads;
        this.quantizedMerge = quantizedMerge;
        this.domain = domain;
        this.pairKey = pairKey;
        this.loads = loads;
    }

    /**
     * Reads a model file, checks on the driver that it holds a {@code LoraDropModel} that accepts the options, and
     * broadcasts its bytes.
     * @param spark the session.
     * @param modelFile a model file written by {@code loradrop train} or {@code LoraDropModel.serialize()}.
     * @param ensembleSize the test-time ensemble size K, or 0 for the model's own.
     * @param ensembleSeed the seed of the members' masks, or null for the model's own.
     * @param threads ONNX Runtime intra-op threads of each executor's sessions, 0 for ONNX Runtime's default.
     * @return the handle.
     * @throws IOException when the file cannot be read.
     * @throws IllegalArgumentException when the file is not a LoRA-Drop model, or K &gt; 1 for a model trained
     *                                  without LoRA dropout, or a count is negative.
     */
    public static ModelHandle create(SparkSession spark, Path modelFile, int ensembleSize, Long ensembleSeed, int threads)
            throws IOException {
        return create(spark, modelFile, ensembleSize, ensembleSeed, threads, null);
    }

    /**
     * {@link #create(SparkSession, Path, int, Long, int)} with the int8 prediction form of the executors' models.
     * @param spark the session.
     * @param modelFile a model file written by {@code loradrop train} or {@code LoraDropModel.serialize()}.
     * @param ensembleSize the test-time ensemble size K, or 0 for the model's own.
     * @param ensembleSeed the seed of the members' masks, or null for the model's own.
     * @param threads ONNX Runtime intra-op threads of each executor's sessions, 0 for ONNX Runtime's default.
     * @param quantizedMerge how the deterministic program treats the LoRA update of int8 layers
     *                       ({@link QuantizedMerge#DESCRIPTION}), or null for the model's own.
     * @return the handle.
     * @throws IOException when the file cannot be read.
     * @throws IllegalArgumentException as {@link #create(SparkSession, Path, int, Long, int)}.
     */
    public static ModelHandle create(SparkSession spark, Path modelFile, int ensembleSize, Long ensembleSeed, int threads,
                                     QuantizedMerge quantizedMerge) throws IOException {
        if (ensembleSize < 0) {
            throw new IllegalArgumentException("The ensemble size must be positive (0: the model's own), got " + ensembleSize);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("Threads must be non-negative (0: ONNX Runtime's default), got " + threads);
        }
        byte[] data = Files.readAllBytes(modelFile);
        String description = "model " + modelFile.getFileName();
        int k;
        long seed;
        ImmutableOutputInfo<Label> domain;
        String pairKey;
        QuantizedMerge form;
        try (LoraDropModel m = ExecutorModels.deserialize(data, description)) {
            form = quantizedMerge == null ? m.getQuantizedMerge() : quantizedMerge;
            k = ensembleSize == 0 ? m.getEnsembleSize() : ensembleSize;
            seed = ensembleSeed == null ? m.getEnsembleSeed() : ensembleSeed;
            m.withEnsemble(k, seed).close(); // fails here, on the driver, when the model cannot make this ensemble
            domain = m.getOutputIDInfo();
            pairKey = m.getPairKey().orElse(null);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        LongAccumulator loads = spark.sparkContext().longAccumulator("loradrop model loads (" + description + ")");
        return new ModelHandle(sc.broadcast(data), description, k, seed, threads, form, domain, pairKey, loads);
    }

    /** The model in this JVM, loaded on first use (executor side). */
    LoraDropModel model() {
        return ExecutorModels.get(this);
    }

    ExecutorModels.Key key() {
        return new ExecutorModels.Key(bytes.id(), ensembleSize, ensembleSeed, threads, quantizedMerge);
    }

    byte[] bytes() {
        return bytes.value();
    }

    String description() {
        return description;
    }

    void countLoad() {
        loads.add(1);
    }

    /**
     * Applies a key's options to a freshly deserialized model (closing the intermediate copies).
     */
    static LoraDropModel withOptions(LoraDropModel m, ExecutorModels.Key key) {
        try (LoraDropModel base = m; LoraDropModel ensemble = base.withEnsemble(key.ensembleSize(), key.ensembleSeed());
             LoraDropModel threaded = ensemble.withThreads(key.threads())) {
            return threaded.withQuantizedMerge(key.quantizedMerge());
        }
    }

    /**
     * How many times executors deserialized this handle's model, counted by successful tasks.
     * @return the count (1 per executor JVM that ran a task of this handle).
     */
    public long loads() {
        return loads.value();
    }

    /**
     * The ensemble size K the executors predict with.
     * @return K.
     */
    public int ensembleSize() {
        return ensembleSize;
    }

    /**
     * The seed of the ensemble members' masks.
     * @return the seed.
     */
    public long ensembleSeed() {
        return ensembleSeed;
    }

    /**
     * The ONNX Runtime intra-op threads of the executors' sessions.
     * @return the thread count, 0 for ONNX Runtime's default.
     */
    public int threads() {
        return threads;
    }

    /**
     * How the executors' deterministic programs treat the LoRA update of int8 layers.
     * @return the form.
     */
    public QuantizedMerge quantizedMerge() {
        return quantizedMerge;
    }

    /**
     * The model's label domain.
     * @return the domain.
     */
    public ImmutableOutputInfo<Label> domain() {
        return domain;
    }

    /**
     * The model's labels in id order (the order of its probability vectors).
     * @return the labels.
     */
    public List<String> labels() {
        List<String> out = new ArrayList<>(domain.size());
        for (int i = 0; i < domain.size(); i++) {
            out.add(domain.getOutput(i).getLabel());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Whether the model classifies sentence pairs.
     * @return true for pair models.
     */
    public boolean isPairModel() {
        return pairKey != null;
    }

    /**
     * The metadata key of the pair text, for pair models.
     * @return the key, empty for single-text models.
     */
    public Optional<String> pairKey() {
        return Optional.ofNullable(pairKey);
    }

    /**
     * Releases the broadcast on the executors and closes this JVM's model of the handle (in local mode the driver
     * runs the tasks, so this frees the sessions; executors of a cluster close theirs when they shut down).
     * Idempotent; the handle cannot score afterwards.
     */
    public synchronized void release() {
        ExecutorModels.close(key());
        if (!released) {
            released = true;
            bytes.destroy();
        }
    }

    @Override
    public String toString() {
        return description + " (K=" + ensembleSize + ", seed " + ensembleSeed + ", threads " + threads + ", "
                + quantizedMerge + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelHandle h && h.key().equals(key());
    }

    @Override
    public int hashCode() {
        return Objects.hash(key());
    }
}
