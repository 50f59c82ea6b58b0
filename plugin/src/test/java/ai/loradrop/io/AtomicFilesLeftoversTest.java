/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 12: hidden temporary files left by writes that were killed are cleaned up by the next write of
 * the same file; those of live writers, of other files, and recent ones without a process id are kept.
 */
class AtomicFilesLeftoversTest {
    @TempDir
    Path dir;

    /** The pid of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    private List<String> hidden() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void leftoversOfKilledWritesAreRemovedOnTheNextWrite() throws Exception {
        Path target = dir.resolve("model.tribuo");
        long dead = deadPid();
        Path killed = Files.writeString(dir.resolve(".model.tribuo." + dead + "-abc123.tmp"), "half");
        Path oldStyle = Files.writeString(dir.resolve(".model.tribuo.k3j4h5.tmp"), "half");
        Files.setLastModifiedTime(oldStyle, FileTime.from(Instant.now().minus(AtomicFiles.STALE_AFTER).minusSeconds(60)));
        Path recentOldStyle = Files.writeString(dir.resolve(".model.tribuo.zz9.tmp"), "maybe writing");
        long live = ProcessHandle.current().parent().map(ProcessHandle::pid).orElseThrow();
        Path liveWriter = Files.writeString(dir.resolve(".model.tribuo." + live + "-x1.tmp"), "writing");
        Path otherTarget = Files.writeString(dir.resolve(".model.tribuo.bak." + dead + "-q.tmp"), "other file's");

        AtomicFiles.write(target, "model", "new".getBytes(StandardCharsets.UTF_8));

        assertEquals("new", Files.readString(target));
        assertFalse(Files.exists(killed), "the dead writer's file is removed");
        assertFalse(Files.exists(oldStyle), "an old file without a pid is removed");
        assertTrue(Files.exists(recentOldStyle), "a recent file without a pid may belong to a live writer");
        assertTrue(Files.exists(liveWriter), "a live writer's file is kept");
        assertTrue(Files.exists(otherTarget), "another target's file is kept");
        assertEquals(java.util.Set.of(otherTarget.getFileName().toString(), liveWriter.getFileName().toString(),
                recentOldStyle.getFileName().toString()), java.util.Set.copyOf(hidden()), "no temporary file of this write is left");
    }
}
