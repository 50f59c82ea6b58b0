/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import java.nio.file.Path;

/**
 * Thrown when a text data file cannot be turned into examples: bytes that are not UTF-8, broken quoting or
 * JSON, a missing column, an empty text, a missing label or a bad weight. The message names the file and
 * the line; the line is also available as {@link #getLine()}.
 */
public final class TextDataFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;

    /**
     * Creates an exception for a problem at a line of a file.
     * @param file The file.
     * @param line The 1-based physical line where the problem (or its record) starts, or 0 if it concerns
     *             the whole file.
     * @param detail What is wrong.
     */
    public TextDataFormatException(Path file, int line, String detail) {
        this(file, line, detail, null);
    }

    /**
     * Creates an exception for a problem at a line of a file, with a cause.
     * @param file The file.
     * @param line The 1-based physical line, or 0 if the problem concerns the whole file.
     * @param detail What is wrong.
     * @param cause The underlying exception, may be null.
     */
    public TextDataFormatException(Path file, int line, String detail, Throwable cause) {
        super(file + (line > 0 ? ", line " + line : "") + ": " + detail, cause);
        this.file = String.valueOf(file);
        this.line = line;
    }

    /**
     * The file the problem is in.
     * @return The file path as a string.
     */
    public String getFile() {
        return file;
    }

    /**
     * The 1-based physical line of the problem.
     * @return The line, or 0 if the problem concerns the whole file.
     */
    public int getLine() {
        return line;
    }
}
