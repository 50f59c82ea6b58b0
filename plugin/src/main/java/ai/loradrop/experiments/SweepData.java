/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.classification.Label;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The data of a sweep: training data, the dev set that selects (and picks epochs and temperatures), and an optional
 * test set that is only ever evaluated, never used to choose anything.
 *
 * @param train the training data.
 * @param dev   the dev set (null only with k-fold cross-validation).
 * @param test  the test set, or null.
 */
public record SweepData(Dataset<Label> train, Dataset<Label> dev, Dataset<Label> test) {
    /**
     * Checks the training data is there.
     * @param train the training data.
     * @param dev the dev set, or null.
     * @param test the test set, or null.
     */
    public SweepData {
        Objects.requireNonNull(train, "train");
    }

    /**
     * A digest of a dataset's content (every example's label, weight and metadata, in order), which identifies it
     * across sessions where its provenance (load times) would not.
     * @param d the dataset, or null.
     * @return the SHA-256 in hex, or {@code "none"}.
     */
    public static String digest(Dataset<Label> d) {
        if (d == null) {
            return "none";
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Example<Label> e : d) {
            StringBuilder sb = new StringBuilder();
            sb.append(e.getOutput().getLabel()).append('\u0001').append(e.getWeight());
            for (Map.Entry<String, Object> m : new TreeMap<>(e.getMetadata()).entrySet()) {
                sb.append('\u0001').append(m.getKey()).append('\u0002').append(m.getValue());
            }
            sb.append('\u0000');
            md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
