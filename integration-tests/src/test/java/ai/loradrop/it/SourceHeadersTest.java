/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Java source file of every module carries the project's licence header. */
class SourceHeadersTest {
    /** The header, exactly as every file starts. */
    static final String HEADER = "/*\n * Copyright (c) 2025 LoRA-Drop contributors.\n * Licensed under the Apache License, Version 2.0.\n */\n";

    @Test
    void everySourceFileStartsWithTheLicenceHeader() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> missing;
        long count;
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> sources = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> root.relativize(p).toString().matches("[^/]+/src/.*"))
                    .toList();
            count = sources.size();
            missing = sources.stream().filter(p -> {
                try {
                    return !Files.readString(p).startsWith(HEADER);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(root::relativize).toList();
        }
        assertTrue(count > 100, "found only " + count + " source files under " + root);
        assertEquals(List.of(), missing, "files without the licence header");
    }
}
