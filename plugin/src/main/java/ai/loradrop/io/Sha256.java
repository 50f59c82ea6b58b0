/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The one SHA-256 helper of LoRA-Drop: every hash it records (provenance, model files, checkpoints' run fingerprints)
 * is 64 <b>lower-case</b> hex digits, as {@code sha256sum} prints it. Hashes recorded by earlier versions may be
 * upper case (Tribuo's {@code ProvenanceUtil.bytesToHexString}); compare recorded hashes with {@link #same}.
 */
public final class Sha256 {
    private Sha256() {}

    /**
     * A fresh SHA-256 digest.
     * @return the digest.
     */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /**
     * The hex form of a finished digest.
     * @param digest the digest (it is reset).
     * @return 64 lower-case hex digits.
     */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The SHA-256 of bytes.
     * @param bytes the bytes.
     * @return 64 lower-case hex digits.
     */
    public static String of(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    /**
     * The SHA-256 of a buffer's remaining bytes (its position is not moved).
     * @param bytes the bytes.
     * @return 64 lower-case hex digits.
     */
    public static String of(ByteBuffer bytes) {
        MessageDigest md = newDigest();
        md.update(bytes.duplicate());
        return hex(md);
    }

    /**
     * The SHA-256 of a file, streamed.
     * @param path the file.
     * @return 64 lower-case hex digits.
     * @throws IOException when the file cannot be read.
     */
    public static String of(Path path) throws IOException {
        MessageDigest md = newDigest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(path)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return hex(md);
    }

    /**
     * The SHA-256 of a file, streamed, for callers that cannot throw {@link IOException}.
     * @param path the file.
     * @return 64 lower-case hex digits.
     * @throws UncheckedIOException when the file cannot be read.
     */
    public static String ofFile(Path path) {
        try {
            return of(path);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path + " to hash it", e);
        }
    }

    /**
     * The SHA-256 of whatever a writer produces, without holding it in memory (e.g. a large protobuf message:
     * {@code Sha256.of(message::writeTo)}).
     * @param content writes the content.
     * @return 64 lower-case hex digits.
     */
    public static String of(AtomicFiles.Content content) {
        MessageDigest md = newDigest();
        try (OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                md.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                md.update(b, off, len);
            }
        }) {
            content.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("Hashing failed", e);
        }
        return hex(md);
    }

    /**
     * Whether two hex hashes are the same, ignoring case (hashes recorded by earlier versions may be upper case).
     * @param a a hash.
     * @param b another.
     * @return true when they name the same digest.
     */
    public static boolean same(String a, String b) {
        return a != null && b != null && a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    }
}
