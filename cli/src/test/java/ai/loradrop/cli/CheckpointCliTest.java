/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.train.Checkpoint;
import ai.loradrop.tribuo.LoraDropModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints and resume on runs that were really interrupted (issue 12, house 6): a child JVM started as the
 * launcher starts it trains with {@code --checkpoint-dir} and is killed (SIGKILL) as soon as its first checkpoint
 * exists; {@code --resume} then continues from that checkpoint, does only the remaining steps, and ends with the
 * parameters of an uninterrupted run, bit for bit. SIGTERM (issue 12, defect 12) makes the run say where its last
 * checkpoint is.
 */
class CheckpointCliTest {
    static final int EPOCHS = 40;
    static final int ROWS_PER_CLASS = 12;
    static final int BATCH = 4;
    static final int STEPS = EPOCHS * (ROWS_PER_CLASS * 3 / BATCH);

    @TempDir
    Path dir;

    private List<String> command(TinyFixture fx, Path ckpt, Path output) {
        List<String> a = new ArrayList<>(List.of("train", "--train", fx.train.toString(), "--base-model", fx.encoder.toString(),
                "--max-length", "16", "--rank", "4", "--alpha", "8", "--epochs", String.valueOf(EPOCHS),
                "--batch-size", String.valueOf(BATCH), "--learning-rate", "1e-2", "--threads", "1", "--output", output.toString()));
        if (ckpt != null) {
            a.addAll(List.of("--checkpoint-dir", ckpt.toString(), "--checkpoint-every", "5"));
        }
        return a;
    }

    /** Starts the CLI in a child JVM as the launcher does. */
    private Process start(List<String> args, Path err) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), LoraDropCli.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("child-out.txt").toFile())
                .redirectError(err.toFile()).start();
    }

    /** Waits for the first checkpoint file of the run, while the child lives. */
    private static Path awaitCheckpoint(Process p, Path ckpt) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.isDirectory(ckpt)) {
                try (Stream<Path> s = Files.walk(ckpt)) {
                    var f = s.filter(x -> x.getFileName().toString().equals(Checkpoint.FILE_NAME)).findFirst();
                    if (f.isPresent()) {
                        return f.get();
                    }
                }
            }
            Thread.sleep(2);
        }
        throw new AssertionError("the child wrote no checkpoint while it ran (alive: " + p.isAlive() + ")");
    }

    /** Collects the FineTuner's log messages while a run goes on in this JVM. */
    private static final class Log extends Handler implements AutoCloseable {
        final List<String> messages = new ArrayList<>();
        final Logger logger = Logger.getLogger("ai.loradrop.train.FineTuner");

        Log() {
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            messages.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    @Test
    void resumeAfterSigkillMatchesTheUninterruptedRunAndDoesLessWork() throws Exception {
        TinyFixture fx = TinyFixture.in(dir);
        TinyModelCliTest.writeCsv(fx.train, ROWS_PER_CLASS, 1);
        Path ckpt = dir.resolve("ckpt");
        Path resumed = dir.resolve("resumed.tribuo");

        Process child = start(command(fx, ckpt, resumed), dir.resolve("child-err.txt"));
        awaitCheckpoint(child, ckpt);
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertFalse(Files.exists(resumed), "the killed run wrote no model");

        int resumedFrom;
        int epochsRun;
        try (Log log = new Log()) {
            List<String> args = command(fx, ckpt, resumed);
            args.add("--resume");
            CliRun r = CliRun.of(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
            Matcher m = log.messages.stream().map(Pattern.compile("Resuming from .* at step (\\d+) ")::matcher)
                    .filter(Matcher::find).findFirst().orElseThrow(() -> new AssertionError("no resume in " + log.messages));
            resumedFrom = Integer.parseInt(m.group(1));
            epochsRun = (int) log.messages.stream().filter(s -> s.matches("epoch \\d+/\\d+ done.*")).count();
        }
        assertTrue(resumedFrom > 0 && resumedFrom < STEPS, "resumed mid-run, at step " + resumedFrom + " of " + STEPS);
        int epochsBefore = resumedFrom / (STEPS / EPOCHS);
        assertEquals(EPOCHS - epochsBefore, epochsRun, "the resumed run only ran the epochs the killed one had not finished");

        Path full = dir.resolve("uninterrupted.tribuo");
        try (Log log = new Log()) {
            CliRun u = CliRun.of(command(fx, null, full).toArray(new String[0]));
            assertEquals(0, u.code(), u.toString());
            assertEquals(EPOCHS, log.messages.stream().filter(s -> s.matches("epoch \\d+/\\d+ done.*")).count());
        }
        try (LoraDropModel a = SavedModel.load(full); LoraDropModel b = SavedModel.load(resumed)) {
            assertTrue(a.getParameters().length > 0);
            assertArrayEquals(a.getParameters(), b.getParameters(), "resume reproduces the uninterrupted run exactly");
        }
    }

    @Test
    void sigtermSaysWhereTheLastCheckpointIs() throws Exception {
        TinyFixture fx = TinyFixture.in(dir);
        TinyModelCliTest.writeCsv(fx.train, ROWS_PER_CLASS, 1);
        Path ckpt = dir.resolve("ckpt");
        Path err = dir.resolve("term-err.txt");
        Process child = start(command(fx, ckpt, dir.resolve("m.tribuo")), err);
        Path first = awaitCheckpoint(child, ckpt);
        child.destroy(); // SIGTERM
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(143, child.exitValue(), "stopped by SIGTERM");
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertTrue(stderr.contains("loradrop train: stopped before the model was written; the last checkpoint is "
                + first.toAbsolutePath()), stderr);
        assertTrue(stderr.contains("run the same command with --resume to continue from it"), stderr);
    }
}
