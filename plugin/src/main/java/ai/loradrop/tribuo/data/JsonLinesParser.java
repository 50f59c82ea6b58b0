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

/**
 * Parses JSON lines: one JSON object per line, blank lines skipped. Scalar values (strings, numbers,
 * booleans) become strings; null counts as absent.
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
     * @return The records, in file order.
     * @throws TextDataFormatException On a line that is not a JSON object, or a wanted key holding an array or object.
     */
    static List<TextRecord> parse(String text, Path file, Set<String> wanted) {
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
            records.add(toRecord(parseObject(line, file, lineNumber), file, lineNumber, ++row, wanted));
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

    private static TextRecord toRecord(JsonNode object, Path file, int lineNumber, int row, Set<String> wanted) {
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
            if (!value.isValueNode()) {
                throw new TextDataFormatException(file, lineNumber, "key '" + key + "' holds a JSON "
                        + value.getNodeType().toString().toLowerCase() + ", expected a string, number or boolean");
            }
            values.put(key, value.asText());
        }
        return new TextRecord(lineNumber, row, values, Collections.unmodifiableList(keys));
    }
}
