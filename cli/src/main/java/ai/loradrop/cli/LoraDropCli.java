/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The {@code loradrop} command line: {@code train}, {@code evaluate}, {@code predict}, {@code export} and
 * {@code demo}, plus the commands other modules contribute as {@link CliCommand} services ({@code bench}).
 * <p>
 * Results go to standard output, progress to standard error through {@code java.util.logging}. Exit codes: 0 success,
 * 1 failure (one line naming the problem), 2 command-line mistake (unknown option, missing file, bad value; with the
 * usage line). {@code loradrop <command> --help} describes every option.
 */
public final class LoraDropCli {
    static final String USAGE = "usage: loradrop <command> [options]  (loradrop --help lists the commands; loradrop <command> --help)";

    /** A command: its usage line, its help text and what runs it. */
    private record Command(String usage, String help, Runner runner) {}

    @FunctionalInterface
    private interface Runner {
        int run(List<String> args, PrintStream out) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = commands();

    private static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        m.put("train", new Command(TrainCommand.USAGE, TrainCommand.HELP, TrainCommand::run));
        m.put("evaluate", new Command(EvaluateCommand.USAGE, EvaluateCommand.HELP, EvaluateCommand::run));
        m.put("predict", new Command(PredictCommand.USAGE, PredictCommand.HELP, PredictCommand::run));
        m.put("demo", new Command(DemoCommand.USAGE, DemoCommand.HELP, DemoCommand::run));
        m.put("export", new Command(ExportCommand.USAGE, ExportCommand.HELP, ExportCommand::run));
        m.put("tokenize", new Command(TokenizeCommand.USAGE, TokenizeCommand.HELP, TokenizeCommand::run));
        m.put("sweep", new Command(SweepCommand.USAGE, SweepCommand.HELP, SweepCommand::run));
        m.put("report", new Command(ReportCommand.USAGE, ReportCommand.HELP, ReportCommand::run));
        // Commands of other modules on the class path (bench), after the built-in ones.
        for (CliCommand c : ServiceLoader.load(CliCommand.class)) {
            if (m.containsKey(c.name())) {
                throw new IllegalStateException("Two loradrop commands are named '" + c.name() + "'");
            }
            m.put(c.name(), new Command(c.usage(), c.help(), c::run));
        }
        return m;
    }

    private LoraDropCli() {}

    /**
     * Entry point.
     * @param args the command and its options.
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs a command, printing to the standard streams.
     * @param args the command and its options.
     * @return the exit code: 0 success, 1 failure, 2 usage error.
     */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    /**
     * Runs a command.
     * @param args the command and its options.
     * @param out where results go.
     * @param err where errors and usage lines go.
     * @return the exit code: 0 success, 1 failure, 2 usage error.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.println(USAGE);
            out.println();
            COMMANDS.forEach((name, c) -> out.println("  " + c.usage()));
            return 0;
        }
        Command c = COMMANDS.get(args[0]);
        if (c == null) {
            err.println("error: unknown command '" + args[0] + "'");
            err.println(USAGE);
            return 2;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (Args.wantsHelp(rest)) {
            out.println(c.help());
            return 0;
        }
        try {
            ai.loradrop.onnx.OrtStartup.environment();
            int code = c.runner().run(rest, out);
            out.flush();
            return code;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("usage: " + e.usage());
            return 2;
        } catch (Exception | OutOfMemoryError e) {
            err.println("error: " + message(e));
            if (System.getenv("LORADROP_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    /** One line: the exception's message, or its type when it has none. */
    private static String message(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName() + (e.getCause() != null ? ": " + message(e.getCause()) : "");
        }
        return m.replace('\n', ' ');
    }
}
