/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the reference ONNX checker, {@code onnx.checker.check_model(model, full_check=True)} of Debian's
 * {@code python3-onnx}, through {@value #PYTHON} on an exported model file.
 * <p>
 * Where the checker must run: {@code .ci/run} installs {@code python3-onnx} when it is missing and sets
 * {@value #REQUIRE_ENV}; with that variable (or {@code CI}) set, a missing checker fails the test. Elsewhere (a
 * developer machine without the package) the test is skipped with the install command in its message.
 */
public final class OnnxChecker {
    /** The interpreter that has Debian's {@code python3-onnx}. */
    public static final String PYTHON = "/usr/bin/python3";
    /** Environment variable that makes a missing checker a failure instead of a skip. */
    public static final String REQUIRE_ENV = "LORADROP_REQUIRE_ONNX_CHECKER";

    private static final String SCRIPT = String.join("\n",
            "import sys, onnx",
            "if sys.argv[1] == '--max-opset':",
            "    print(onnx.defs.onnx_opset_version()); sys.exit(0)",
            "m = onnx.load(sys.argv[1])",
            "onnx.checker.check_model(m, full_check=True)",
            "print('valid')");

    private static Integer maxOpset;

    private OnnxChecker() {}

    /**
     * The newest default-domain opset the installed checker knows; skips (or fails, in CI) when it is not installed.
     * @return the opset.
     */
    public static synchronized int maxOpset() {
        if (maxOpset == null) {
            Result r = run("--max-opset");
            if (r.code != 0) {
                String why = "python3-onnx is not usable through " + PYTHON + " (apt-get update && apt-get install -y python3-onnx): "
                        + r.output;
                if (System.getenv(REQUIRE_ENV) != null || System.getenv("CI") != null) {
                    Assertions.fail(why);
                }
                Assumptions.abort(why);
            }
            maxOpset = Integer.parseInt(r.output.strip());
        }
        return maxOpset;
    }

    /**
     * Fails with the checker's message unless the full check accepts the model.
     * @param model the model file.
     */
    public static void assertValid(Path model) {
        maxOpset();
        Result r = run(model.toAbsolutePath().toString());
        Assertions.assertEquals(0, r.code, "onnx.checker.check_model(full_check=True) rejects " + model + ":\n" + r.output);
        Assertions.assertTrue(r.output.contains("valid"), r.output);
    }

    private record Result(int code, String output) {}

    private static Result run(String arg) {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return new Result(127, PYTHON + " not found");
        }
        try {
            Process p = new ProcessBuilder(List.of(PYTHON, "-c", SCRIPT, arg)).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, "the checker did not finish");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(126, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }
}
