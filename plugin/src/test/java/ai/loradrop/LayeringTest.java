/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layer diagram in README.md ("Inside {@code plugin}, each layer imports only the layers below it") is the
 * code's: it names every package of the plugin, and no main source file imports a package of a higher layer.
 */
class LayeringTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path SOURCES = Path.of("src", "main", "java", "ai", "loradrop");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?ai\\.loradrop\\.([a-z]+)\\.");
    private static final Pattern QUALIFIED = Pattern.compile("\\bai\\.loradrop\\.([a-z]+)\\.[A-Z]");

    /** Layer of each top-level package, from the README's diagram: 0 is the top. */
    private static Map<String, Integer> layersFromReadme() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("Inside `plugin`, each layer imports only the layers below it:");
        assertTrue(start >= 0, "README.md has no plugin layer diagram");
        int open = readme.indexOf("```", start);
        int close = readme.indexOf("```", open + 3);
        Map<String, Integer> layer = new HashMap<>();
        int level = 0;
        for (String line : readme.substring(readme.indexOf('\n', open) + 1, close).split("\n")) {
            for (String n : line.substring(0, Math.min(line.length(), 24)).trim().split("\\s+")) {
                if (!n.isEmpty()) {
                    layer.put(n, level);
                }
            }
            level++;
        }
        return layer;
    }

    @Test
    void noPackageImportsAHigherLayer() throws IOException {
        Map<String, Integer> layer = layersFromReadme();
        List<String> unknown = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = SOURCES.relativize(f);
                if (rel.getNameCount() < 2) {
                    continue;
                }
                String pkg = rel.getName(0).toString();
                Integer mine = layer.get(pkg);
                if (mine == null) {
                    unknown.add(pkg);
                    continue;
                }
                // Code only: a comment may name a higher layer (javadoc of how the layers fit together).
                String src = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
                for (Pattern p : List.of(IMPORT, QUALIFIED)) {
                    Matcher m = p.matcher(src);
                    while (m.find()) {
                        Integer theirs = layer.get(m.group(1));
                        if (theirs != null && theirs < mine) {
                            violations.add(rel + " (" + pkg + ") uses ai.loradrop." + m.group(1));
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), unknown.stream().distinct().toList(), "packages missing from README's layer diagram");
        assertEquals(List.of(), violations.stream().distinct().toList(), "imports of a higher layer");
    }
}
