/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.encoders;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A resolved named encoder: its ONNX export and {@code tokenizer.json} as files, and the artifact they came from.
 *
 * @param encoder   the named encoder.
 * @param artifact  the artifact the files came from (its version is the one found, which on the class path may
 *                  differ from the registry's).
 * @param onnx      the ONNX export.
 * @param tokenizer the {@code tokenizer.json}.
 * @param source    the jar (or class path folder) the files came from.
 */
public record EncoderFiles(NamedEncoder encoder, MavenArtifact artifact, Path onnx, Path tokenizer, Path source) {

    /**
     * Checks the parts.
     * @param encoder the encoder.
     * @param artifact the artifact.
     * @param onnx the ONNX export.
     * @param tokenizer the tokenizer.
     * @param source where they came from.
     */
    public EncoderFiles {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(onnx, "onnx");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(source, "source");
    }
}
