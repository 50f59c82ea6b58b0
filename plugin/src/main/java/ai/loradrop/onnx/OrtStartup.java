/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnxruntime.OrtEnvironment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Creates ONNX Runtime's environment once, on a thread with a stack large enough for the process's command line.
 * Every part of LoRA-Drop that needs the environment takes it from {@link #environment()}, so Java programs with
 * long command lines (a long class path is enough) are safe too, not only the CLI.
 * <p>
 * Why: ONNX Runtime 1.29.0 on Linux starts its telemetry when the environment is created ({@code PosixTelemetry}
 * reads {@code /etc/os-release}, {@code /etc/machine-id} and {@code /proc/self/cmdline}) and processes the command
 * line recursively on the calling thread, using about 260 bytes of stack per byte of command line. With the JVM's
 * default 1 MB thread stack, a command line of about 3,980 bytes or more (for instance {@code predict --text} with a
 * long text, or any long {@code -D} option) overflows the stack and the process dies with SIGSEGV (exit 139),
 * without a Java error. Measured with plain ONNX Runtime: {@code -Xss2m} moves the limit to between 5,000 and 20,000
 * bytes, {@code -Xss8m} to between 20,000 and 100,000; {@code ORT_DISABLE_TELEMETRY=1} skips the telemetry (the
 * launcher sets it). Here the environment is created once, on a thread whose stack grows with the command line,
 * so the crash cannot happen whatever the environment variables are; the environment is a process-wide singleton,
 * so every later {@link OrtEnvironment#getEnvironment()} returns it.
 */
public final class OrtStartup {
    /** Stack bytes per command-line byte: twice the measured need. */
    public static final long STACK_PER_BYTE = 512;
    /** The smallest stack given to the creating thread. */
    public static final long MIN_STACK = 16L << 20;

    private static volatile OrtEnvironment started;

    private OrtStartup() {}

    /**
     * Creates (once) and returns the ONNX Runtime environment.
     * @return the environment.
     * @throws IllegalStateException when ONNX Runtime cannot start (the message says why).
     */
    public static OrtEnvironment environment() {
        OrtEnvironment e = started;
        if (e == null) {
            synchronized (OrtStartup.class) {
                e = started;
                if (e == null) {
                    e = create();
                    started = e;
                }
            }
        }
        return e;
    }

    private static OrtEnvironment create() {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<OrtEnvironment> env = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                env.set(OrtEnvironment.getEnvironment());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "onnxruntime-startup", stackSize());
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting ONNX Runtime", e);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("ONNX Runtime could not start: " + failure.get().getMessage(), failure.get());
        }
        return env.get();
    }

    /**
     * The stack for the creating thread: {@link #STACK_PER_BYTE} per byte of this process's command line.
     * @return the stack size in bytes, at least {@link #MIN_STACK}.
     */
    public static long stackSize() {
        long length = 0;
        try {
            length = Files.size(Path.of("/proc/self/cmdline"));
            if (length == 0) {
                length = Files.readAllBytes(Path.of("/proc/self/cmdline")).length;
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // Not Linux: nothing reads the command line.
        }
        return Math.max(MIN_STACK, length * STACK_PER_BYTE);
    }
}
