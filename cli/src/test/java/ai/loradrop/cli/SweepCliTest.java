/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Command-line mistakes of {@code sweep} and {@code report}: exit code 2, one line naming the problem, the usage line. */
class SweepCliTest {
    @TempDir
    Path tmp;

    private static void assertUsageError(CliRun r, String message, String usage) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        assertTrue(r.err().contains(message), "expected '" + message + "' in\n" + r);
        assertTrue(r.err().contains("usage: " + usage), "expected the usage line of '" + usage + "' in\n" + r);
    }

    private Path file(String name, String content) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void sweepMistakesAreUsageErrors() throws IOException {
        Path data = file("data.csv", "text,label\nthe dog,animal\nred sky,colour\n");
        Path grid = file("grid.json", "{\"grid\": {\"dropout\": [0.0, 0.1]}}");
        String out = tmp.resolve("out").toString();
        assertUsageError(CliRun.of("sweep", "--grid", grid.toString(), "--train", data.toString(), "--output-dir", out),
                "the dev set selects the best run: give --dev", "loradrop sweep");
        assertUsageError(CliRun.of("sweep", "--grid", tmp.resolve("none.json").toString(), "--train", data.toString(),
                "--dev", data.toString(), "--output-dir", out), "not found", "loradrop sweep");
        Path bad = file("bad.json", "{\"grid\": {\"dropout\": [0.1]}, \"seed\": 3}");
        assertUsageError(CliRun.of("sweep", "--grid", bad.toString(), "--train", data.toString(), "--dev", data.toString(),
                "--output-dir", out), "bad.json: unknown key 'seed'", "loradrop sweep");
        assertUsageError(CliRun.of("sweep", "--grid", grid.toString(), "--train", data.toString(), "--dev", data.toString(),
                "--output-dir", out, "--repeats", "0"), "--repeats must be at least 1", "loradrop sweep");
        assertUsageError(CliRun.of("sweep", "--grid", grid.toString(), "--train", data.toString(), "--dev", data.toString(),
                "--output-dir", data.toString()), "is a file", "loradrop sweep");
        assertTrue(Files.notExists(tmp.resolve("out")), "nothing written");
        CliRun help = CliRun.of("sweep", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("dropoutMode") && help.out().contains("--resume"), help.toString());
    }

    @Test
    void reportMistakesAreUsageErrors() throws IOException {
        Path out = tmp.resolve("report.html");
        assertUsageError(CliRun.of("report", "--output", out.toString()), "give at least one JSON report", "loradrop report");
        assertUsageError(CliRun.of("report", tmp.resolve("none.json").toString(), "--output", out.toString()),
                "Report not found", "loradrop report");
        Path r = file("r.json", "{\"deterministic\": {\"accuracy\": 0.5}}");
        Path existing = file("existing.html", "keep me");
        assertUsageError(CliRun.of("report", r.toString(), "--output", existing.toString()), "exists", "loradrop report");
        assertEquals("keep me", Files.readString(existing));
        CliRun notReport = CliRun.of("report", file("x.json", "{\"a\": 1}").toString(), "--output", out.toString());
        assertEquals(1, notReport.code(), notReport.toString());
        assertTrue(notReport.err().contains("not a loradrop report"), notReport.toString());
        CliRun ok = CliRun.of("report", r.toString(), "--output", out.toString());
        assertEquals(0, ok.code(), ok.toString());
        String html = Files.readString(out);
        assertTrue(html.contains("\"label\":\"r.json\""), "runs are labelled by file name");
        assertTrue(!html.contains("<script src") && !html.contains("<link"), "self-contained");
    }
}
