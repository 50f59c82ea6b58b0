/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Strict UTF-8 decoding that reports where a file stops being UTF-8.
 * <p>
 * Lines are counted the same way everywhere in this package: a line ends at LF, CRLF or a lone CR.
 */
final class StrictUtf8 {

    private static final char BOM = '\uFEFF';

    private StrictUtf8() {}

    /**
     * Decodes UTF-8 bytes, dropping a leading byte order mark.
     * @param bytes The file contents.
     * @param file The file, for error messages.
     * @return The decoded text.
     * @throws TextDataFormatException Naming the line, byte offset and bytes of the first invalid sequence.
     */
    static String decode(byte[] bytes, Path file) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        // UTF-8 never yields more UTF-16 chars than bytes, so one pass always fits.
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            throw invalid(bytes, offset, result.length(), file);
        }
        out.flip();
        if (out.length() > 0 && out.charAt(0) == BOM) {
            out.position(1);
        }
        return out.toString();
    }

    private static TextDataFormatException invalid(byte[] bytes, int offset, int length, Path file) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            byte b = bytes[i];
            if (b == '\n' || (b == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n'))) {
                line++;
                lineStart = i + 1;
            }
        }
        StringBuilder hex = new StringBuilder();
        for (int i = offset; i < Math.min(bytes.length, offset + Math.max(length, 1)); i++) {
            hex.append(hex.length() == 0 ? "" : " ").append(String.format("0x%02X", bytes[i] & 0xFF));
        }
        return new TextDataFormatException(file, line, "invalid UTF-8 (" + hex + ") at byte " + (offset - lineStart + 1)
                + " of the line (file offset " + offset + "); the file must be encoded as UTF-8");
    }
}
