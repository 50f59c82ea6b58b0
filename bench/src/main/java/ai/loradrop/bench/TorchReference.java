/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Runs the plain-PyTorch LoRA reference ({@code bench/torch-lora}, Debian's {@code python3-torch}) on the
 * same machine and reads its training throughput, for side-by-side ratios.
 */
final class TorchReference {
    private static final Logger logger = Logger.getLogger(TorchReference.class.getName());

    private TorchReference() {}

    /** The folder holding the reference scripts. */
    static Path scripts() {
        String home = System.getProperty("loradrop.home");
        Path base = home != null ? Path.of(home) : Path.of(".");
        return base.resolve("bench").resolve("torch-lora");
    }

    /**
     * Training examples per second of the PyTorch reference (real WordNet batches, max 64 word pieces, batch 32,
     * lora_dropout 0.1), or null when PyTorch is not installed.
     */
    static Double trainExamplesPerSecond(int threads, String outFile) throws IOException, InterruptedException {
        Path run = scripts().resolve("run.sh");
        if (!Files.isRegularFile(run)) {
            logger.warning("PyTorch reference scripts not found at " + run);
            return null;
        }
        Process check = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
        if (check.waitFor() != 0) {
            logger.warning("PyTorch is not installed (apt-get install python3-torch python3-onnx libopenblas0-pthread); skipping the reference");
            return null;
        }
        Path out = outFile != null ? Path.of(outFile) : Files.createTempFile("torch-speed", ".json");
        ProcessBuilder pb = new ProcessBuilder("bash", run.toString(), "speed", "--out", out.toAbsolutePath().toString(),
                "--threads", String.valueOf(threads), "--steps", "8").inheritIO();
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        int rc = pb.start().waitFor();
        if (rc != 0) {
            logger.warning("PyTorch reference failed with exit code " + rc);
            return null;
        }
        JsonNode n = new ObjectMapper().readTree(out.toFile());
        return n.get("train_examples_per_s").asDouble();
    }
}
