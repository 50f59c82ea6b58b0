/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.cli.LoraDropCli;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench module's command reaches the {@code loradrop} command line through the command SPI. */
class BenchCommandDiscoveryTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoraDropCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void benchIsListedAndHasHelp() {
        String[] list = run("--help");
        assertEquals("0", list[0]);
        assertTrue(list[1].contains("loradrop bench"), list[1]);
        String[] help = run("bench", "--help");
        assertEquals("0", help[0], help[2]);
        assertTrue(help[1].startsWith("usage: loradrop bench"), help[1]);
    }

    @Test
    void unknownBenchOptionIsAUsageError() {
        String[] r = run("bench", "--fast");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Unknown option '--fast'"), r[2]);
    }
}
