/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.io.Sha256;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.ClassifierSpec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * What determines a run's trajectory, recorded in its checkpoints so that a checkpoint is never resumed onto another
 * run: the base encoder (SHA-256 of its ONNX model), the classifier, the optimisation settings (not logging or thread
 * count), the number of trainable values and the training and validation data themselves (count and CRC-32C of token
 * ids, segment ids, labels and weights).
 * <p>
 * Encoded as {@code key=value} lines after a {@value #HEADER} line. When a checkpoint's fingerprint differs from the
 * run's, {@link #differences} names the fields that differ, with both values.
 *
 * @param fields the fields in order, by their human-readable name.
 */
record RunFingerprint(Map<String, String> fields) {
    /** The first line of an encoded fingerprint (format 3; earlier formats started with {@code v1:} or {@code v2:}). */
    static final String HEADER = "loradrop-run-fingerprint 3";
    /** Field: the base encoder. */
    static final String ENCODER = "base encoder SHA-256";
    /** Field: the training data. */
    static final String TRAINING_DATA = "training data";
    /** Field: the validation data. */
    static final String VALIDATION_DATA = "validation data";

    RunFingerprint {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /**
     * The fingerprint of a run.
     * @param encoder the base encoder.
     * @param spec the classifier.
     * @param c the settings.
     * @param trainableValues the number of trainable values.
     * @param train the training examples.
     * @param validation the validation examples.
     * @return the fingerprint.
     */
    static RunFingerprint of(EncoderModel encoder, ClassifierSpec spec, TrainingConfig c, int trainableValues,
                             List<EncodedExample> train, List<EncodedExample> validation) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(ENCODER, Sha256.of(encoder.model()::writeTo));
        f.put("classifier", spec.toString());
        f.put("epochs", Integer.toString(c.epochs()));
        f.put("batchSize", Integer.toString(c.batchSize()));
        f.put("learningRate", Double.toString(c.learningRate()));
        f.put("warmupFraction", Double.toString(c.warmupFraction()));
        f.put("schedule", c.schedule().name());
        f.put("optimizer", c.optimizer().toString());
        f.put("dropoutSamples", Integer.toString(c.dropoutSamples()));
        f.put("seed", Long.toString(c.seed()));
        f.put("patience", Integer.toString(c.patience()));
        f.put("trainable values", Integer.toString(trainableValues));
        f.put(TRAINING_DATA, data(train));
        f.put(VALIDATION_DATA, data(validation));
        return new RunFingerprint(f);
    }

    private static String data(List<EncodedExample> examples) {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(16);
        for (EncodedExample e : examples) {
            buf.clear();
            buf.putInt(e.length()).putInt(e.label()).putFloat(e.weight());
            crc.update(buf.array(), 0, 12);
            if (e.targets() != null) {
                // Absent for class indices, so classification fingerprints are those written before float targets.
                for (float v : e.targets()) {
                    buf.clear();
                    buf.putFloat(v);
                    crc.update(buf.array(), 0, 4);
                }
            }
            for (int t = 0; t < e.length(); t++) {
                buf.clear();
                buf.putInt(e.inputIds()[t]).putInt(e.typeIds()[t]);
                crc.update(buf.array(), 0, 8);
            }
        }
        return examples.size() + " examples, CRC-32C " + String.format("%08x", crc.getValue());
    }

    /**
     * The encoded form.
     * @return the header and {@code key=value} lines.
     */
    String encode() {
        StringBuilder sb = new StringBuilder(HEADER);
        fields.forEach((k, v) -> sb.append('\n').append(k).append('=').append(v));
        return sb.toString();
    }

    /**
     * Reads an encoded fingerprint.
     * @param encoded the encoded form.
     * @return the fingerprint, or null when it is of an earlier format (which lacks fields this one compares).
     */
    static RunFingerprint parse(String encoded) {
        List<String> lines = encoded.lines().toList();
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            return null;
        }
        Map<String, String> f = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                f.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new RunFingerprint(f);
    }

    /**
     * The fields in which a checkpoint's run differs from this one, each with both values.
     * @param checkpoint the checkpoint's fingerprint.
     * @return one entry per differing field, e.g. {@code validation data (checkpoint: 12 examples, ...; this run: ...)};
     *     empty when the runs match.
     */
    List<String> differences(RunFingerprint checkpoint) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            String theirs = checkpoint.fields.get(e.getKey());
            if (!Objects.equals(theirs, e.getValue())) {
                out.add(e.getKey() + " (checkpoint: " + (theirs == null ? "not recorded" : theirs) + "; this run: " + e.getValue() + ")");
            }
        }
        for (String k : checkpoint.fields.keySet()) {
            if (!fields.containsKey(k)) {
                out.add(k + " (recorded by the checkpoint, unknown to this version)");
            }
        }
        return out;
    }
}
