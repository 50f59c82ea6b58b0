/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.loradrop.programs.OrtSupport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression test (issue 12, defect 2, library side): ONNX Runtime 1.29.0's telemetry overflowed the default thread
 * stack while reading a long command line, killing the JVM with SIGSEGV (exit 139). A Java program with a long
 * command line (a long class path is enough) must be able to use LoRA-Drop: {@link OrtStartup} creates the
 * environment on a thread whose stack fits the command line.
 */
class LongCommandLineStartupTest {
    /** A program that starts ONNX Runtime through LoRA-Drop and runs one session. */
    public static final class Main {
        private Main() {}

        /**
         * Starts ONNX Runtime through {@link OrtSupport} and prints its version.
         * @param args ignored (they only make the command line long).
         * @throws Exception on failure.
         */
        public static void main(String[] args) throws Exception {
            System.out.println("ort " + OrtSupport.env().getVersion());
        }
    }

    @Test
    void aLongCommandLineDoesNotCrashOnnxRuntime() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String longArg = "word ".repeat(4000);  // 20,000 bytes; 3,981 were enough to crash before
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), longArg));
        Map<String, String> env = pb.environment();
        env.remove("ORT_DISABLE_TELEMETRY");  // the launcher's way round must not be needed
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ort "), out);
    }
}
