/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * A {@code loradrop} sub-command contributed by another module (the benchmark, for instance) through
 * {@link java.util.ServiceLoader}: list the implementing class in
 * {@code META-INF/services/ai.loradrop.cli.CliCommand}. The built-in commands live in this module.
 */
public interface CliCommand {
    /**
     * The word that selects the command, e.g. {@code bench}.
     * @return the command's name.
     */
    String name();

    /**
     * The one-line usage, without the leading {@code usage: }.
     * @return the usage line.
     */
    String usage();

    /**
     * The text printed by {@code loradrop <name> --help}.
     * @return the help text.
     */
    String help();

    /**
     * Runs the command.
     * @param args the arguments after the command's name.
     * @param out where results go.
     * @return the exit code: 0 success, 1 failure, 2 usage error.
     * @throws Exception on failure; {@link UsageException} for command-line mistakes.
     */
    int run(List<String> args, PrintStream out) throws Exception;
}
