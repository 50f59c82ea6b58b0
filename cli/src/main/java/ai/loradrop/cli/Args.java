/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A small command-line option parser: {@code --name value} options and {@code --flag} switches. Unknown options,
 * missing or malformed values, missing input files and output paths in missing folders raise
 * {@link UsageException} with the command's usage line.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final String usage;

    private Args(String usage) {
        this.usage = usage;
    }

    /**
     * Parses {@code args}: {@code knownFlags} are switches, {@code knownOptions} take one value each.
     * @param args the arguments after the command name.
     * @param knownFlags the switches the command accepts.
     * @param knownOptions the options with a value the command accepts.
     * @param usage the command's usage line, for errors.
     * @return the parsed arguments.
     * @throws UsageException on an unknown, repeated or incomplete option.
     */
    public static Args parse(List<String> args, List<String> knownFlags, List<String> knownOptions, String usage) {
        Args a = new Args(usage);
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (knownFlags.contains(s)) {
                a.flags.add(s);
            } else if (knownOptions.contains(s)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("Option " + s + " needs a value", usage);
                }
                if (a.values.put(s, args.get(++i)) != null) {
                    throw new UsageException("Option " + s + " is given twice", usage);
                }
            } else if (s.startsWith("-")) {
                throw new UsageException("Unknown option '" + s + "'", usage);
            } else {
                throw new UsageException("Unexpected argument '" + s + "' (options start with --)", usage);
            }
        }
        return a;
    }

    /**
     * Whether the arguments ask for help ({@code --help} or {@code -h} anywhere).
     * @param args the arguments after the command name.
     * @return true when help is asked for.
     */
    public static boolean wantsHelp(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    /**
     * The command's usage line.
     * @return the usage line.
     */
    public String usage() {
        return usage;
    }

    /**
     * A usage error with this command's usage line, to throw.
     * @param message what is wrong.
     * @return the exception.
     */
    public UsageException error(String message) {
        return new UsageException(message, usage);
    }

    /**
     * Whether a switch is given.
     * @param name the switch.
     * @return true when given.
     */
    public boolean flag(String name) {
        return flags.contains(name);
    }

    /**
     * Whether an option is given.
     * @param name the option.
     * @return true when given.
     */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * An option's value.
     * @param name the option.
     * @param dflt the value when it is not given.
     * @return its value or {@code dflt}.
     */
    public String value(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    /**
     * A required option's value.
     * @param name the option.
     * @return its value.
     * @throws UsageException when it is missing.
     */
    public String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("Missing required option " + name, usage);
        }
        return v;
    }

    /**
     * An integer option.
     * @param name the option.
     * @param dflt the value when it is not given.
     * @return its value or {@code dflt}.
     */
    public int intValue(String name, int dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("Option " + name + " needs an integer, got '" + v + "'", usage);
        }
    }

    /**
     * A long integer option.
     * @param name the option.
     * @param dflt the value when it is not given.
     * @return its value or {@code dflt}.
     */
    public long longValue(String name, long dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("Option " + name + " needs an integer, got '" + v + "'", usage);
        }
    }

    /**
     * A finite number option.
     * @param name the option.
     * @param dflt the value when it is not given.
     * @return its value or {@code dflt}.
     */
    public double doubleValue(String name, double dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.strip());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("Option " + name + " needs a finite number, got '" + v + "'", usage);
        }
    }

    /**
     * A comma-separated list, blanks dropped.
     * @param name the option.
     * @param dflt the value when it is not given.
     * @return its items or {@code dflt}.
     */
    public List<String> list(String name, List<String> dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("Option " + name + " needs a comma-separated list, got '" + v + "'", usage);
        }
        return out;
    }

    /**
     * An enum option, case-insensitive.
     * @param <E> the enum type.
     * @param name the option.
     * @param type the enum class.
     * @param dflt the value when it is not given.
     * @return its constant or {@code dflt}.
     */
    public <E extends Enum<E>> E enumValue(String name, Class<E> type, E dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("Option " + name + " must be one of " + Arrays.toString(type.getEnumConstants())
                    + ", got '" + v + "'", usage);
        }
    }

    /**
     * The required option as a path to an existing regular file.
     * @param name the option.
     * @return the path.
     */
    public Path existingFile(String name) {
        Path p = Path.of(require(name));
        if (!Files.exists(p)) {
            throw new UsageException("File given to " + name + " not found: " + p, usage);
        }
        if (Files.isDirectory(p)) {
            throw new UsageException("File given to " + name + " is a folder, not a file: " + p, usage);
        }
        if (!Files.isRegularFile(p)) {
            throw new UsageException("File given to " + name + " is not a regular file but a pipe, device or terminal: "
                    + p + " (loradrop reads its input files more than once, so it cannot read a stream or /dev/stdin;"
                    + " save the data to a file first)", usage);
        }
        return p;
    }

    /**
     * The option as a path to an existing regular file, or null when it is not given.
     * @param name the option.
     * @return the path or null.
     */
    public Path optionalExistingFile(String name) {
        return has(name) ? existingFile(name) : null;
    }

    /**
     * The required option as a file to write: its folder must exist and it must not be a folder itself. Checked
     * before any work starts, so a typo does not cost a training run.
     * @param name the option.
     * @return the path.
     */
    public Path outputFile(String name) {
        return checkOutput(name, Path.of(require(name)));
    }

    /**
     * The option as a file to write (see {@link #outputFile}), or null when it is not given.
     * @param name the option.
     * @return the path or null.
     */
    public Path optionalOutputFile(String name) {
        return has(name) ? outputFile(name) : null;
    }

    /**
     * Checks that {@code path} can be written as the target of option {@code name}.
     * @param name the option, for the message.
     * @param path the file to write.
     * @return {@code path}.
     */
    public Path checkOutput(String name, Path path) {
        Path dir = path.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UsageException("The folder of the file given to " + name + " does not exist: " + dir, usage);
        }
        if (Files.isDirectory(path)) {
            throw new UsageException("The file given to " + name + " is an existing folder: " + path, usage);
        }
        return path;
    }
}
