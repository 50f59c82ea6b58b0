/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

/**
 * A command-line mistake: reported with the usage line, exit code 2.
 */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String usage;

    /**
     * A usage error.
     * @param message what is wrong.
     * @param usage the command's usage line.
     */
    public UsageException(String message, String usage) {
        super(message);
        this.usage = usage;
    }

    /**
     * The usage line of the command.
     * @return the usage line.
     */
    public String usage() {
        return usage;
    }
}
