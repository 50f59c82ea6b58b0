/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses delimiter-separated text: RFC 4180 CSV (double-quoted fields may hold separators, doubled quotes
 * and line breaks) or, with quoting off, IANA TSV (no quoting: a field ends at the next separator or line
 * break). Empty physical lines between records are skipped; line breaks inside quoted fields are kept as
 * they are in the file.
 */
final class DelimitedParser {

    private static final char QUOTE = '"';

    /**
     * A parsed file.
     * @param header The column names: the first record, or "0", "1", ... when the file has no header.
     * @param records The data records, each with exactly one value per column.
     */
    record Table(List<String> header, List<TextRecord> records) {
    }

    private final String text;
    private final Path file;
    private final char separator;
    private final boolean quoting;
    private int pos;
    private int line = 1;

    private DelimitedParser(String text, Path file, char separator, boolean quoting) {
        this.text = text;
        this.file = file;
        this.separator = separator;
        this.quoting = quoting;
    }

    /**
     * Parses a whole file.
     * @param text The decoded file contents.
     * @param file The file, for error messages.
     * @param separator The field separator.
     * @param quoting Whether double quotes delimit fields (RFC 4180); if false quotes are ordinary characters.
     * @param header Whether the first record names the columns.
     * @return The header and the data records.
     * @throws TextDataFormatException On an unterminated quote, text after a closing quote, a duplicate column
     *                                 name or a record whose field count differs from the header's.
     */
    static Table parse(String text, Path file, char separator, boolean quoting, boolean header) {
        DelimitedParser parser = new DelimitedParser(text, file, separator, quoting);
        List<String> columns = null;
        List<TextRecord> records = new ArrayList<>();
        int row = 0;
        while (true) {
            parser.skipEmptyLines();
            if (parser.pos >= text.length()) {
                break;
            }
            int recordLine = parser.line;
            List<String> fields = parser.readRecord();
            if (columns == null) {
                if (header) {
                    columns = checkHeader(fields, file, recordLine);
                    continue;
                }
                columns = positionalNames(fields.size());
            }
            if (fields.size() != columns.size()) {
                throw new TextDataFormatException(file, recordLine, "expected " + columns.size() + " fields "
                        + columns + " but found " + fields.size() + (quoting ? " (check the quoting)" : ""));
            }
            Map<String, String> values = new HashMap<>(columns.size() * 2);
            for (int i = 0; i < columns.size(); i++) {
                values.put(columns.get(i), fields.get(i));
            }
            records.add(new TextRecord(recordLine, ++row, values, columns));
        }
        return new Table(columns == null ? List.of() : columns, records);
    }

    private static List<String> checkHeader(List<String> fields, Path file, int line) {
        Set<String> seen = new HashSet<>();
        for (String f : fields) {
            if (!seen.add(f)) {
                throw new TextDataFormatException(file, line, "duplicate column name '" + f + "' in header " + fields);
            }
        }
        return Collections.unmodifiableList(new ArrayList<>(fields));
    }

    private static List<String> positionalNames(int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(Integer.toString(i));
        }
        return Collections.unmodifiableList(names);
    }

    private void skipEmptyLines() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n' || c == '\r') {
                consumeLineBreak();
            } else {
                return;
            }
        }
    }

    /** Consumes one LF, CRLF or lone CR at pos. */
    private void consumeLineBreak() {
        if (text.charAt(pos) == '\r' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
            pos++;
        }
        pos++;
        line++;
    }

    private boolean atRecordEnd() {
        return pos >= text.length() || text.charAt(pos) == '\n' || text.charAt(pos) == '\r';
    }

    private List<String> readRecord() {
        List<String> fields = new ArrayList<>();
        while (true) {
            if (quoting && pos < text.length() && text.charAt(pos) == QUOTE) {
                fields.add(readQuoted());
            } else {
                fields.add(readPlain());
            }
            if (pos < text.length() && text.charAt(pos) == separator) {
                pos++;
                continue;
            }
            if (pos < text.length()) {
                consumeLineBreak();
            }
            return fields;
        }
    }

    private String readPlain() {
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == separator || c == '\n' || c == '\r') {
                break;
            }
            pos++;
        }
        return text.substring(start, pos);
    }

    private String readQuoted() {
        int openLine = line;
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw new TextDataFormatException(file, openLine, "quoted field opened on this line is never closed");
            }
            char c = text.charAt(pos);
            if (c == QUOTE) {
                if (pos + 1 < text.length() && text.charAt(pos + 1) == QUOTE) {
                    sb.append(QUOTE);
                    pos += 2;
                    continue;
                }
                pos++;
                break;
            }
            if (c == '\n' || (c == '\r' && (pos + 1 >= text.length() || text.charAt(pos + 1) != '\n'))) {
                line++;
            }
            sb.append(c);
            pos++;
        }
        if (!atRecordEnd() && text.charAt(pos) != separator) {
            throw new TextDataFormatException(file, line, "unexpected character '" + text.charAt(pos)
                    + "' after a closing quote (a quote inside a quoted field must be doubled)");
        }
        return sb.toString();
    }
}
