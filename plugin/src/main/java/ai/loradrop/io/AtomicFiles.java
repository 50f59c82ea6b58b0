/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files atomically: the content goes to a temporary file in the target's folder, is forced to disk and then
 * moved over the target, so readers see the old file or the complete new one and a failure leaves nothing behind.
 * <p>
 * A process killed mid-write (SIGKILL, power loss) cannot delete its temporary file. Temporary files are therefore
 * named {@code .TARGET.PID-RANDOM.tmp}, after the target and the writing process, and every write first deletes the
 * target's temporary files whose process is no longer alive (and, from writers that recorded no process, those older
 * than {@link #STALE_AFTER}).
 */
public final class AtomicFiles {

    /** Produces a file's content. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the content.
         * @param out the stream; closed by the caller.
         * @throws IOException when writing fails.
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Age after which a temporary file that names no process is taken as left over. */
    public static final java.time.Duration STALE_AFTER = java.time.Duration.ofMinutes(10);

    private AtomicFiles() {}

    /**
     * Writes bytes atomically. Its folder must exist.
     * @param target the file to create or replace.
     * @param what what is written, for error messages.
     * @param bytes the content.
     * @throws IOException naming the target when anything fails; no temporary file is left.
     */
    public static void write(Path target, String what, byte[] bytes) throws IOException {
        write(target, what, out -> out.write(bytes));
    }

    /**
     * Writes a file atomically. Its folder must exist.
     * @param target the file to create or replace.
     * @param what what is written, for error messages.
     * @param content the content.
     * @throws IOException naming the target when anything fails; no temporary file is left.
     */
    public static void write(Path target, String what, Content content) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        if (dir == null || absolute.getFileName() == null) {
            throw new IOException("Cannot write " + what + " to " + target + ": not a file path");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("Cannot write " + what + " to " + target + ": folder " + dir + " does not exist");
        }
        if (Files.isDirectory(absolute)) {
            throw new IOException("Cannot write " + what + " to " + target + ": it is a folder");
        }
        removeLeftovers(absolute);
        // Not Files.createTempFile: its owner-only permissions would carry over to the final file.
        String suffix = ProcessHandle.current().pid() + "-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + suffix + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(
                    Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
                content.writeTo(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw new IOException("Cannot write " + what + " to " + target + ": " + describe(io), io);
            }
            throw e;
        }
    }

    /**
     * Deletes the temporary files of earlier writes of {@code target} that were killed: those whose process is gone,
     * and those without a process id older than {@link #STALE_AFTER}. Files of live writers are kept.
     * @param target the target file (absolute).
     * @return how many files were deleted.
     */
    public static int removeLeftovers(Path target) {
        Path dir = target.getParent();
        String prefix = "." + target.getFileName() + ".";
        int removed = 0;
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".tmp") && n.length() > prefix.length() + 4;
        })) {
            for (Path p : ds) {
                String middle = p.getFileName().toString().substring(prefix.length(), p.getFileName().toString().length() - 4);
                if (middle.contains(".")) {
                    continue; // another target's file whose name extends this one's (".a.b.x.tmp" for "a.b" vs "a")
                }
                int dash = middle.indexOf('-');
                boolean stale;
                if (dash > 0) {
                    long pid;
                    try {
                        pid = Long.parseLong(middle.substring(0, dash));
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    stale = pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
                } else {
                    stale = Files.getLastModifiedTime(p).toInstant().isBefore(java.time.Instant.now().minus(STALE_AFTER));
                }
                if (stale && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            // Best effort: a leftover that cannot be listed or deleted does not stop the write.
        }
        return removed;
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
    }
}
