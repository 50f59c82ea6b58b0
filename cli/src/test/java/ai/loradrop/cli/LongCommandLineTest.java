/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.onnx.OrtStartup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 2: {@code predict --text} with a text of about 4,000 characters crashed the JVM (exit 139, no
 * message). ONNX Runtime 1.29.0 starts its telemetry when the environment is created and processes
 * {@code /proc/self/cmdline} recursively on the creating thread, overflowing a 1 MB stack from about 3,980 bytes of
 * command line. The original case runs here in a child JVM started as the launcher starts it (same main class and
 * class path, default thread stack), without {@code ORT_DISABLE_TELEMETRY}, so only the CLI's own guard
 * ({@link OrtStartup}) can keep it alive.
 */
class LongCommandLineTest {
    @TempDir
    Path dir;

    /** Runs the CLI in a child JVM, returning exit code and output. */
    static CliRun child(Path workDir, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), LoraDropCli.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().remove("ORT_DISABLE_TELEMETRY");
        Path out = workDir.resolve("child-out.txt");
        Path err = workDir.resolve("child-err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish");
        }
        return new CliRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void predictWithAFiveThousandCharacterTextDoesNotCrashTheJvm() throws Exception {
        TinyFixture fx = TinyFixture.in(dir);
        Path model = fx.model(dir.resolve("m.tribuo"));
        String text = "the dog runs near the old house ".repeat(160); // 5,120 characters
        assertTrue(text.length() > 5000);
        CliRun r = child(dir, List.of("predict", "--model", model.toString(), "--text", text));
        assertEquals(0, r.code(), "exit 139 is the native crash; " + r);
        assertTrue(r.out().contains("label: "), r.toString());
        assertTrue(r.out().contains("probability: "), r.toString());
    }

    @Test
    void theLauncherAlsoTurnsOffOnnxRuntimeTelemetry() throws IOException {
        String launcher = Files.readString(Path.of("..", "loradrop"));
        assertTrue(launcher.contains("export ORT_DISABLE_TELEMETRY=\"${ORT_DISABLE_TELEMETRY:-1}\""), launcher);
    }

    @Test
    void theStartupStackGrowsWithTheCommandLine() {
        long s = OrtStartup.stackSize();
        assertTrue(s >= OrtStartup.MIN_STACK, "stack " + s);
    }
}
