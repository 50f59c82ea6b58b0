package ai.loradrop.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small command-line option parser: {@code --name value} options and {@code --flag} switches. Unknown options,
 * missing values and missing files raise {@link UsageException} with the command's usage line.
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final String usage;

    private Args(String usage) {
        this.usage = usage;
    }

    static Args parse(List<String> args, List<String> knownFlags, List<String> knownOptions, String usage) {
        Args a = new Args(usage);
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (knownFlags.contains(s)) {
                a.flags.add(s);
            } else if (knownOptions.contains(s)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("Option " + s + " needs a value", usage);
                }
                a.values.put(s, args.get(++i));
            } else {
                throw new UsageException("Unknown option '" + s + "'", usage);
            }
        }
        return a;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String value(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("Missing required option " + name, usage);
        }
        return v;
    }

    int intValue(String name, int dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("Option " + name + " needs an integer, got '" + v + "'", usage);
        }
    }

    long longValue(String name, long dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("Option " + name + " needs an integer, got '" + v + "'", usage);
        }
    }

    double doubleValue(String name, double dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("Option " + name + " needs a number, got '" + v + "'", usage);
        }
    }

    Path existingFile(String name) {
        Path p = Path.of(require(name));
        if (!Files.exists(p)) {
            throw new UsageException("File given to " + name + " not found: " + p, usage);
        }
        return p;
    }
}
