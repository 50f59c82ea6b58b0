/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Sets up DJL's Hugging Face tokenizers native library before its first use: never a download
 * ({@code ai.djl.offline=true}, else DJL fetches a CUDA build on GPU machines), and extraction of the bundled library
 * into a folder that can be chosen and is checked to be writable.
 */
final class TokenizerNatives {
    private static final Logger logger = Logger.getLogger(TokenizerNatives.class.getName());

    /**
     * The system property naming the folder the native tokenizers library is extracted into (DJL's
     * {@code ENGINE_CACHE_DIR}, a folder {@code tokenizers/} under it). Default: DJL's own
     * ({@code ENGINE_CACHE_DIR}, then {@code DJL_CACHE_DIR}, then {@code ~/.djl.ai}).
     */
    static final String NATIVE_DIR_PROPERTY = "loradrop.tokenizers.nativeDir";

    private static volatile boolean ready;

    private TokenizerNatives() {}

    /**
     * Prepares the native library once per JVM.
     * @throws IllegalStateException If the extraction folder cannot be created or written.
     */
    static synchronized void ensureReady() {
        if (ready) {
            return;
        }
        System.setProperty("ai.djl.offline", "true");
        String chosen = System.getProperty(NATIVE_DIR_PROPERTY);
        if (chosen != null && !chosen.isBlank()) {
            System.setProperty("ENGINE_CACHE_DIR", chosen);
        }
        Path folder = extractionFolder().resolve("tokenizers");
        boolean present = false;
        try (var files = Files.isDirectory(folder) ? Files.walk(folder, 2) : java.util.stream.Stream.<Path>empty()) {
            present = files.anyMatch(p -> p.getFileName().toString().contains("tokenizers.")
                    && Files.isRegularFile(p));
        } catch (IOException e) {
            present = false;
        }
        if (!present) {
            try {
                Files.createDirectories(folder);
            } catch (IOException | SecurityException e) {
                throw unwritable(folder, e.toString());
            }
            if (!Files.isWritable(folder)) {
                throw unwritable(folder, "not writable");
            }
        }
        logger.fine(() -> "Hugging Face tokenizers native library folder: " + folder);
        ready = true;
    }

    private static IllegalStateException unwritable(Path folder, String why) {
        return new IllegalStateException("Cannot extract the Hugging Face tokenizers native library (needed for BPE, "
                + "Unigram and WordLevel tokenizers) into " + folder + ": " + why + ". Choose a writable folder with -D"
                + NATIVE_DIR_PROPERTY + "=FOLDER (or the ENGINE_CACHE_DIR environment variable)");
    }

    /** DJL's {@code Utils.getEngineCacheDir()}, resolved the way DJL does it. */
    private static Path extractionFolder() {
        String engine = envOrProperty("ENGINE_CACHE_DIR");
        if (engine != null && !engine.isEmpty()) {
            return Path.of(engine);
        }
        String cache = envOrProperty("DJL_CACHE_DIR");
        if (cache != null && !cache.isEmpty()) {
            return Path.of(cache);
        }
        Path home = Path.of(System.getProperty("user.home"));
        if (!Files.isWritable(home)) {
            return Path.of(System.getProperty("java.io.tmpdir")).resolve(".djl.ai");
        }
        return home.resolve(".djl.ai");
    }

    private static String envOrProperty(String key) {
        String v = System.getenv(key);
        return v != null ? v : System.getProperty(key);
    }
}
