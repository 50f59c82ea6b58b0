/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import java.nio.file.Path;

/**
 * A sweep in its own JVM for {@link SweepKillResumeTest}: {@code SweepMain FIXTURE_DIR OUTPUT_DIR SLEEP_MS RESUME}
 * runs {@link SweepFixture#GRID_JSON} on the fixture files in FIXTURE_DIR into OUTPUT_DIR, sleeping SLEEP_MS before each run starts (so that the test can
 * kill it between runs and inside one), and writes the results files at the end.
 */
final class SweepMain {
    private SweepMain() {}

    public static void main(String[] args) throws Exception {
        SweepFixture fixture = new SweepFixture(Path.of(args[0]), false);
        long sleep = Long.parseLong(args[2]);
        Path out = Path.of(args[1]);
        SweepResult r = new Sweep(SweepGrid.fromJson(SweepFixture.GRID_JSON), fixture.base(), SweepFixture.data(), out,
                Boolean.parseBoolean(args[3]), false).progress(line -> {
                    System.out.println(line);
                    if (line.endsWith("starting") && sleep > 0) {
                        try {
                            Thread.sleep(sleep);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }).run();
        r.writeAll(out);
    }
}
