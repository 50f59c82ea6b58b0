package ai.loradrop.tribuo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 helpers: lower-case hex, as {@code sha256sum} prints it.
 */
final class Digests {
    private Digests() {}

    /**
     * The SHA-256 of a file, streamed.
     * @param path the file.
     * @return 64 lower-case hex digits.
     * @throws UncheckedIOException when the file cannot be read.
     */
    static String sha256(Path path) {
        MessageDigest md = newDigest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(path)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path + " to hash it", e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The SHA-256 of bytes.
     * @param bytes the bytes.
     * @return 64 lower-case hex digits.
     */
    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
