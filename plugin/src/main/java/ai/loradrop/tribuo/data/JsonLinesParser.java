/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Parses JSON lines: one JSON object per line, blank lines skipped. Scalar values (strings, numbers,
 * booleans) become strings; null counts as absent. Keys allowed to hold arrays (the label column of set-valued
 * outputs) take a JSON array of strings, joined by commas into one string (Tribuo's {@code MultiLabelFactory}
 * form), so an element may not itself contain a comma.
 */
final class JsonLinesParser {

    // Duplicate keys and trailing content are errors rather than silently resolved.
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonLinesParser() {}

    /**
     * Parses a whole file.
     * @param text The decoded file contents.
     * @param file The file, for error messages.
     * @param wanted The keys to extract from each object; other keys are only listed as available columns.
     * @param arrayKeys The wanted keys that may hold a JSON array of strings.
     * @return The records, in file order.
     * @throws TextDataFormatException On a line that is not a JSON object, a wanted key holding an object or a
     *                                 not allowed array, or an array element that is not a string or holds a comma.
     */
    static List<TextRecord> parse(String text, Path file, Set<String> wanted, Set<String> arrayKeys) {
        List<TextRecord> records = new ArrayList<>();
        int lineNumber = 0;
        int row = 0;
        int start = 0;
        int n = text.length();
        while (start < n) {
            lineNumber++;
            int end = start;
            while (end < n && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
                end++;
            }
            String line = text.substring(start, end);
            if (end < n && text.charAt(end) == '\r' && end + 1 < n && text.charAt(end + 1) == '\n') {
                end++;
            }
            start = end + 1;
            if (line.isBlank()) {
                continue;
            }
            records.add(toRecord(parseObject(line, file, lineNumber), file, lineNumber, ++row, wanted, arrayKeys));
        }
        return records;
    }

    private static JsonNode parseObject(String line, Path file, int lineNumber) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new TextDataFormatException(file, lineNumber, "invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new TextDataFormatException(file, lineNumber, "expected a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        return node;
    }

    private static TextRecord toRecord(JsonNode object, Path file, int lineNumber, int row, Set<String> wanted,
                                       Set<String> arrayKeys) {
        List<String> keys = new ArrayList<>();
        Map<String, String> values = new HashMap<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            keys.add(key);
            if (!wanted.contains(key)) {
                continue;
            }
            JsonNode value = object.get(key);
            if (value.isNull()) {
                continue;
            }
            if (value.isArray() && arrayKeys.contains(key)) {
                values.put(key, joinArray(value, key, file, lineNumber));
                continue;
            }
            if (!value.isValueNode()) {
                throw new TextDataFormatException(file, lineNumber, "key '" + key + "' holds a JSON "
                        + value.getNodeType().toString().toLowerCase() + ", expected a string, number or boolean");
            }
            values.put(key, value.asText());
        }
        return new TextRecord(lineNumber, row, values, Collections.unmodifiableList(keys));
    }

    private static String joinArray(JsonNode array, String key, Path file, int lineNumber) {
        StringJoiner joined = new StringJoiner(",");
        for (int i = 0; i < array.size(); i++) {
            JsonNode element = array.get(i);
            if (!element.isTextual()) {
                throw new TextDataFormatException(file, lineNumber, "key '" + key + "' element " + i + " is a JSON "
                        + element.getNodeType().toString().toLowerCase() + ", expected a string");
            }
            if (element.asText().indexOf(',') >= 0) {
                throw new TextDataFormatException(file, lineNumber, "key '" + key + "' element " + i + " '"
                        + element.asText() + "' contains a comma, which cannot be part of a label");
            }
            joined.add(element.asText());
        }
        return joined.toString();
    }
}
