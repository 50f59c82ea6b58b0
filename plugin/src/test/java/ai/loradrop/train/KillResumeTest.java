/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash test: a training JVM killed with SIGKILL in the middle of a run, then started again with resume, ends
 * with parameters bit-identical to those of an uninterrupted run with the same seed and thread count.
 */
class KillResumeTest {
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    Path tmp;

    private Process start(String name, Path checkpoints, Path outcome, long sleepMillis, boolean resume) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx512m", ResumableTrainingMain.class.getName(), checkpoints.toString(), outcome.toString(), Long.toString(sleepMillis),
                Boolean.toString(resume)));
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

    @Test
    void killedRunResumesToTheUninterruptedResult() throws Exception {
        Path refDir = tmp.resolve("reference-checkpoints");
        Path refOut = tmp.resolve("reference.outcome");
        Path dir = tmp.resolve("checkpoints");
        Path out = tmp.resolve("resumed.outcome");
        // The reference runs alongside the victim; only the victim is slowed down (in its progress hook).
        Process reference = start("reference", refDir, refOut, 0, false);
        Process victim = start("victim", dir, out, 150, false);
        long stepAtKill = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline && victim.isAlive()) {
            if (Files.isRegularFile(dir.resolve(Checkpoint.FILE_NAME))) {
                long step = Checkpoint.read(dir).position().step();
                if (step >= 3) {
                    victim.destroyForcibly();  // SIGKILL on Linux: no shutdown hooks, no finally blocks
                    victim.waitFor(30, TimeUnit.SECONDS);
                    stepAtKill = step;
                    break;
                }
            }
            Thread.sleep(20);
        }
        assertTrue(stepAtKill >= 3, "the victim should have been killed mid-run (alive: " + victim.isAlive() + "):\n" + log("victim"));
        assertTrue(victim.exitValue() != 0, "killed, not finished");
        assertTrue(Files.notExists(out), "the killed run wrote no outcome");
        Checkpoint afterKill = Checkpoint.read(dir);
        assertTrue(afterKill.position().step() >= stepAtKill && afterKill.position().step() < ResumeScenario.TOTAL_STEPS,
                "checkpoint at step " + afterKill.position().step() + " must be mid-run");

        System.out.printf("KillResumeTest: killed the victim after its checkpoint of step %d; resuming from step %d of %d%n",
                stepAtKill, afterKill.position().step(), ResumeScenario.TOTAL_STEPS);
        Process resumed = start("resumed", dir, out, 0, true);
        finish(resumed, "resumed");
        finish(reference, "reference");
        assertTrue(log("resumed").contains("Resuming from " + dir + " at step " + afterKill.position().step()), log("resumed"));

        ResumeScenario.Outcome want = ResumeScenario.Outcome.read(refOut);
        ResumeScenario.Outcome got = ResumeScenario.Outcome.read(out);
        assertEquals(ResumeScenario.TOTAL_STEPS, want.steps());
        CheckpointResumeTest.assertSameOutcome(want, got);
        Checkpoint a = Checkpoint.read(refDir);
        Checkpoint b = Checkpoint.read(dir);
        CheckpointResumeTest.assertSameBits(a.state().params(), b.state().params(), "final parameters");
        CheckpointResumeTest.assertSameBits(a.state().m(), b.state().m(), "first moments");
        CheckpointResumeTest.assertSameBits(a.state().v(), b.state().v(), "second moments");
    }
}
