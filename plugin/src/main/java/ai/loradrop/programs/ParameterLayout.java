/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.onnx.LinearModule;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The trainable parameters packed into one flat float vector: per targeted module {@code lora_A} ({@code r × in}) and
 * {@code lora_B} ({@code out × r}), then {@code classifier.weight} ({@code classes × hidden}) and
 * {@code classifier.bias}. Names follow PEFT's on-disk keys, {@code base_model.model.<module>.lora_A.weight}.
 * <p>
 * One vector lets a training step take and return all state in three tensors (parameters and two moments) and
 * lets AdamW run as a handful of whole-vector operations.
 */
public final class ParameterLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Key of the classifier weight. */
    public static final String CLASSIFIER_WEIGHT = "classifier.weight";
    /** Key of the classifier bias. */
    public static final String CLASSIFIER_BIAS = "classifier.bias";

    /**
     * One parameter tensor.
     * @param name the PEFT-style key.
     * @param shape the shape.
     * @param offset the offset in the flat vector.
     */
    public record Entry(String name, long[] shape, int offset) implements Serializable {
        /**
         * Number of elements.
         * @return the size.
         */
        public int size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final int size;
    private final int modules;

    /**
     * Creates the layout.
     * @param targets the targeted modules.
     * @param rank the LoRA rank.
     * @param hidden the encoder width.
     * @param numClasses the number of classes.
     */
    public ParameterLayout(List<LinearModule> targets, int rank, int hidden, int numClasses) {
        List<Entry> e = new ArrayList<>();
        int off = 0;
        for (LinearModule m : targets) {
            Entry a = new Entry(loraKey(m.path(), "A"), new long[]{rank, m.inFeatures()}, off);
            off += a.size();
            Entry b = new Entry(loraKey(m.path(), "B"), new long[]{m.outFeatures(), rank}, off);
            off += b.size();
            e.add(a);
            e.add(b);
        }
        Entry w = new Entry(CLASSIFIER_WEIGHT, new long[]{numClasses, hidden}, off);
        off += w.size();
        Entry bias = new Entry(CLASSIFIER_BIAS, new long[]{numClasses}, off);
        off += bias.size();
        e.add(w);
        e.add(bias);
        this.entries = Collections.unmodifiableList(e);
        this.byName = new LinkedHashMap<>();
        for (Entry x : e) {
            byName.put(x.name(), x);
        }
        this.size = off;
        this.modules = targets.size();
    }

    /**
     * PEFT's key of a LoRA matrix.
     * @param modulePath the module path.
     * @param which "A" or "B".
     * @return {@code base_model.model.<module>.lora_<which>.weight}.
     */
    public static String loraKey(String modulePath, String which) {
        return "base_model.model." + modulePath + ".lora_" + which + ".weight";
    }

    /**
     * The entries in vector order.
     * @return the entries.
     */
    public List<Entry> entries() {
        return entries;
    }

    /**
     * An entry by key.
     * @param name the key.
     * @return the entry.
     * @throws IllegalArgumentException when no such key exists.
     */
    public Entry entry(String name) {
        Entry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException("No parameter named '" + name + "'; known: " + byName.keySet());
        }
        return e;
    }

    /**
     * The entry of target {@code i}'s A matrix.
     * @param i the target index.
     * @return the entry.
     */
    public Entry loraA(int i) {
        return entries.get(2 * i);
    }

    /**
     * The entry of target {@code i}'s B matrix.
     * @param i the target index.
     * @return the entry.
     */
    public Entry loraB(int i) {
        return entries.get(2 * i + 1);
    }

    /**
     * Number of targeted modules.
     * @return the count.
     */
    public int modules() {
        return modules;
    }

    /**
     * Total number of trainable scalars.
     * @return the vector length.
     */
    public int size() {
        return size;
    }

    /**
     * PEFT's initialisation: {@code A ~ U(−1/√in, 1/√in)} (kaiming-uniform with a = √5), {@code B = 0}, and
     * PyTorch's {@code nn.Linear} initialisation for the head.
     * @param rng the random source.
     * @return a new flat vector.
     */
    public float[] initialize(SplittableRandom rng) {
        float[] v = new float[size];
        for (Entry e : entries) {
            if (e.name().endsWith(".lora_A.weight")) {
                fillUniform(v, e, 1.0 / Math.sqrt(e.shape()[1]), rng);
            } else if (e.name().equals(CLASSIFIER_WEIGHT)) {
                fillUniform(v, e, 1.0 / Math.sqrt(e.shape()[1]), rng);
            } else if (e.name().equals(CLASSIFIER_BIAS)) {
                fillUniform(v, e, 1.0 / Math.sqrt(entry(CLASSIFIER_WEIGHT).shape()[1]), rng);
            }
        }
        return v;
    }

    private static void fillUniform(float[] v, Entry e, double bound, SplittableRandom rng) {
        for (int i = 0; i < e.size(); i++) {
            v[e.offset() + i] = (float) rng.nextDouble(-bound, bound);
        }
    }

    /**
     * Copies one tensor out of a flat vector.
     * @param flat the vector.
     * @param name the key.
     * @return the values.
     */
    public float[] get(float[] flat, String name) {
        Entry e = entry(name);
        float[] out = new float[e.size()];
        System.arraycopy(flat, e.offset(), out, 0, out.length);
        return out;
    }

    /**
     * Copies one tensor into a flat vector.
     * @param flat the vector.
     * @param name the key.
     * @param values the values.
     */
    public void set(float[] flat, String name, float[] values) {
        Entry e = entry(name);
        if (values.length != e.size()) {
            throw new IllegalArgumentException("Parameter '" + name + "' has " + e.size() + " elements, got " + values.length);
        }
        System.arraycopy(values, 0, flat, e.offset(), values.length);
    }
}
