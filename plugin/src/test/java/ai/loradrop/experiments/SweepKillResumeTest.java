/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash test of sweeps: a sweep JVM killed with SIGKILL after some runs finished, started again with resume,
 * skips the finished runs (their reports are not rewritten) and ends with the same results table as an uninterrupted
 * sweep run alongside it (timings aside).
 */
class SweepKillResumeTest {
    private static final long TIMEOUT_SECONDS = 240;

    @TempDir
    Path tmp;

    private Process start(String name, Path out, long sleepMillis, boolean resume) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx512m", SweepMain.class.getName(), tmp.resolve("fixture").toString(), out.toString(),
                Long.toString(sleepMillis), Boolean.toString(resume)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // Through the environment, not -cp: ONNX Runtime 1.29 crashes natively when an argument is ~4,000 characters
        // long, and the test class path is.
        pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve(name + ".log").toFile());
        return pb.start();
    }

    private String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void finish(Process p, String name) throws InterruptedException {
        boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, name + " did not finish in " + TIMEOUT_SECONDS + " s:\n" + log(name));
        assertEquals(0, p.exitValue(), name + " failed:\n" + log(name));
    }

    private static List<Path> reports(Path out) throws IOException {
        Path runs = out.resolve(Sweep.RUNS);
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runs)) {
            return s.map(d -> d.resolve(Sweep.REPORT)).filter(Files::isRegularFile).toList();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void killedSweepResumesSkippingFinishedRunsToTheSameTable() throws Exception {
        // One fixture for all three processes: the encoder's path is part of each run's configuration hash.
        new SweepFixture(tmp.resolve("fixture"));
        Path refOut = tmp.resolve("reference");
        Path out = tmp.resolve("victim");
        Process reference = start("reference", refOut, 0, false);
        Process victim = start("victim", out, 400, false);
        int finishedAtKill = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline && victim.isAlive()) {
            int n = reports(out).size();
            if (n >= 3) {
                victim.destroyForcibly();   // SIGKILL on Linux: no shutdown hooks, no finally blocks
                victim.waitFor(30, TimeUnit.SECONDS);
                finishedAtKill = reports(out).size();
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(finishedAtKill >= 3 && finishedAtKill < 8, "killed mid-sweep (finished runs: " + finishedAtKill
                + "):\n" + log("victim"));
        assertTrue(Files.notExists(out.resolve(SweepResult.MARKDOWN)), "the killed sweep wrote no results table");
        Map<Path, String> before = new HashMap<>();
        for (Path f : reports(out)) {
            before.put(f, Files.readString(f));
        }
        Map<Path, Long> modified = new HashMap<>();
        for (Path f : before.keySet()) {
            modified.put(f, Files.getLastModifiedTime(f).toMillis());
        }

        Process resumed = start("resumed", out, 0, true);
        finish(resumed, "resumed");
        finish(reference, "reference");
        assertTrue(log("resumed").contains("sweep: " + finishedAtKill + " of 8 runs already finished"), log("resumed"));
        // Only the unfinished runs were trained again.
        long trained = log("resumed").lines().filter(l -> l.endsWith("starting")).count();
        assertEquals(8 - finishedAtKill, trained, log("resumed"));
        for (Map.Entry<Path, String> e : before.entrySet()) {
            assertEquals(e.getValue(), Files.readString(e.getKey()), "finished run kept as it was: " + e.getKey());
            assertEquals(modified.get(e.getKey()), Files.getLastModifiedTime(e.getKey()).toMillis());
        }
        assertEquals(8, reports(out).size());

        ObjectMapper m = new ObjectMapper();
        Map<String, Object> a = m.readValue(refOut.resolve(SweepResult.JSON).toFile(), Map.class);
        Map<String, Object> b = m.readValue(out.resolve(SweepResult.JSON).toFile(), Map.class);
        assertEquals(withoutTimes(a), withoutTimes(b));
        assertEquals(a.get("selection"), b.get("selection"));
        assertEquals(tableWithoutTimeColumn(Files.readString(refOut.resolve(SweepResult.MARKDOWN))),
                tableWithoutTimeColumn(Files.readString(out.resolve(SweepResult.MARKDOWN))));
    }

    /** The configurations of results.json with the training-time column removed. */
    @SuppressWarnings("unchecked")
    private static List<Object> withoutTimes(Map<String, Object> results) {
        List<Object> out = new ArrayList<>();
        for (Object o : (List<Object>) results.get("configurations")) {
            Map<String, Object> c = new HashMap<>((Map<String, Object>) o);
            Map<String, Object> metrics = new HashMap<>((Map<String, Object>) c.get("metrics"));
            metrics.remove("train_seconds");
            c.put("metrics", metrics);
            out.add(c);
        }
        assertEquals(4, out.size());
        return out;
    }

    /** The Markdown table without its last column (training seconds). */
    private static List<String> tableWithoutTimeColumn(String md) {
        List<String> out = new ArrayList<>();
        for (String line : md.split("\n")) {
            if (line.startsWith("|")) {
                String trimmed = line.substring(0, line.length() - 1);
                out.add(trimmed.substring(0, trimmed.lastIndexOf('|') + 1));
            } else {
                out.add(line);
            }
        }
        return out;
    }
}
