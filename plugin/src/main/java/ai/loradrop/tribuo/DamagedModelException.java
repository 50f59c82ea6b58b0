/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A saved {@link LoraDropModel} whose bytes are not the ones written: a part of the file does not match the SHA-256
 * recorded for it when it was saved (or the file is not a well-formed model at all). The message and
 * {@link #parts()} name the damaged parts.
 */
public final class DamagedModelException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The parts of a model file that are checked separately. */
    public enum Part {
        /** Tribuo's metadata: name, provenance, feature and label domains. */
        METADATA("metadata (name, provenance, feature and label domains)"),
        /** The tokenizer. */
        TOKENIZER("tokenizer"),
        /** The embedded base encoder. */
        BASE_MODEL("embedded base encoder"),
        /** The trained parameters. */
        PARAMETERS("parameters (LoRA and head weights)"),
        /** Every other field: LoRA, head and prediction settings, the base encoder's path, hash and size. */
        SETTINGS("settings (LoRA, head and prediction settings, base encoder reference)"),
        /** The protobuf structure itself, or the record of the parts' hashes. */
        STRUCTURE("file structure");

        private final String description;

        Part(String description) {
            this.description = description;
        }

        /**
         * What the part holds, for messages.
         * @return the description.
         */
        public String description() {
            return description;
        }
    }

    private final List<Part> parts;

    /**
     * Creates the exception.
     * @param parts the damaged parts.
     * @param detail what was found.
     * @param cause the underlying error, or null.
     */
    DamagedModelException(List<Part> parts, String detail, Throwable cause) {
        super("The LoRA-Drop model file is damaged: its " + parts.stream().map(Part::description)
                .collect(Collectors.joining(" and ")) + " " + detail, cause);
        this.parts = List.copyOf(parts);
    }

    /**
     * The damaged parts.
     * @return the parts, at least one.
     */
    public List<Part> parts() {
        return parts;
    }
}
