/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import java.io.Serializable;
import java.util.Objects;

/**
 * The base encoder file a {@link LoraDropModel} was trained on, as recorded in the model and its provenance.
 *
 * @param path the absolute path of the {@code .onnx} file at training time (the reference used when the encoder is
 *             not embedded).
 * @param sha256 the SHA-256 of the file, 64 lower-case hex digits.
 * @param size the file size in bytes.
 */
public record BaseModelFile(String path, String sha256, long size) implements Serializable {
    /**
     * Validates.
     * @param path the absolute path of the {@code .onnx} file at training time (the reference used when the encoder is not embedded).
     * @param sha256 the SHA-256 of the file, 64 lower-case hex digits.
     * @param size the file size in bytes.
     */
    public BaseModelFile {
        Objects.requireNonNull(path, "path");
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got " + sha256);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must be non-negative, got " + size);
        }
    }
}
