package ai.loradrop.cli;

import java.util.Arrays;
import java.util.List;

/**
 * The {@code loradrop} command line: {@code train}, {@code evaluate}, {@code predict}, {@code export}, {@code bench}.
 */
public final class LoraDropCli {
    static final String USAGE = "usage: loradrop <train|evaluate|predict|export|bench|demo> [options]  (loradrop <command> --help)";

    private LoraDropCli() {}

    /**
     * Entry point.
     * @param args the command and its options.
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs a command.
     * @param args the command and its options.
     * @return the exit code: 0 success, 1 failure, 2 usage error.
     */
    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.err.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "bench" -> BenchCommand.run(rest);
                default -> throw new UsageException("Unknown command '" + args[0] + "'", USAGE);
            };
        } catch (UsageException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: " + e.usage());
            return 2;
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage());
            if (System.getenv("LORADROP_DEBUG") != null) {
                e.printStackTrace();
            }
            return 1;
        }
    }
}
