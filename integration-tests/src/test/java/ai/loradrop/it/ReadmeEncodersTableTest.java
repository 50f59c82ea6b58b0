/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.encoders.NamedEncoder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Which encoders" table is checked against the registry ({@link NamedEncoder}), its one source of
 * truth: the same names in the same order, each with its artifact, layers and hidden size, pooling and license.
 */
class ReadmeEncodersTableTest {
    @Test
    void whichEncodersTableListsTheRegistry() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("\n## Which encoders");
        assertTrue(start >= 0, "README.md has no section '## Which encoders'");
        List<String> lines = readme.substring(start).lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size() && header < 0; i++) {
            if (lines.get(i).startsWith("| encoder |")) {
                header = i;
            }
        }
        assertTrue(header >= 0, "the section has no table starting '| encoder |'");
        List<String> rows = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            rows.add(lines.get(i));
        }
        List<String> names = rows.stream().map(r -> r.split("\\|")[1].trim().replace("`", "")).toList();
        assertEquals(Arrays.stream(NamedEncoder.values()).map(NamedEncoder::encoderName).toList(), names);
        for (int i = 0; i < rows.size(); i++) {
            NamedEncoder e = NamedEncoder.values()[i];
            String row = rows.get(i);
            for (String part : List.of(e.artifact().coordinates(), e.layers() + " × " + e.hiddenSize(), e.pooling().name(),
                    e.license(), e.language())) {
                assertTrue(row.contains(part), "README row of " + e + " should say " + part + ": " + row);
            }
        }
    }
}
