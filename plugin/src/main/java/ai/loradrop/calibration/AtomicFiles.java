package ai.loradrop.calibration;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files atomically: the content goes to a temporary file in the target's folder, which is then moved
 * over the target, so readers see either the old file or the complete new one, and a failure leaves nothing
 * behind.
 */
final class AtomicFiles {

    /** Produces a file's content. */
    @FunctionalInterface
    interface Content {
        /**
         * Writes the content.
         *
         * @param out the stream to write to; closed by the caller.
         * @throws IOException if writing fails.
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes a file atomically. The folder must exist.
     *
     * @param target  the file to create or replace.
     * @param what    what is being written, for error messages (e.g. "reliability diagram PNG").
     * @param content the content.
     * @throws IOException naming {@code target} if anything fails; no temporary file is left.
     */
    static void write(Path target, String what, Content content) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        if (dir == null || absolute.getFileName() == null) {
            throw new IOException("Cannot write " + what + " to " + target + ": not a file path");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("Cannot write " + what + " to " + target + ": folder " + dir
                    + " does not exist or is not a folder");
        }
        // Not Files.createTempFile: its owner-only permissions would carry over to the final file.
        String suffix = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + suffix + ".tmp");
        OutputStream stream;
        try {
            stream = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("Cannot write " + what + " to " + target + ": cannot create a file in " + dir
                    + " (" + e + ")", e);
        }
        boolean moved = false;
        try {
            try (OutputStream out = new BufferedOutputStream(stream)) {
                content.writeTo(out);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (IOException e) {
            throw new IOException("Cannot write " + what + " to " + target + ": " + e, e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the original failure is the one worth reporting.
                }
            }
        }
    }
}
