/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The class labels of an exported adapter (or its multi-label labels, or its regression dimension names), in
 * class-id order (row {@code i} of the head is label {@code i}), kept in
 * {@value #FILE_NAME} beside the PEFT files because neither PEFT's {@code adapter_config.json} nor LoRA-Drop's
 * sidecar has a key for them. The file reads:
 * <pre>
 * {
 *   "format": "loradrop-labels",
 *   "format_version": 1,
 *   "labels": ["animal", "colour", "weather"],
 *   "id2label": {"0": "animal", "1": "colour", "2": "weather"}
 * }
 * </pre>
 * {@code id2label} has the form of Hugging Face's {@code PretrainedConfig.id2label}, so Python code can pass it to
 * {@code AutoModelForSequenceClassification.from_pretrained(..., id2label=...)}; {@code labels} is what is read back.
 */
public final class AdapterLabels {
    /** The file name. */
    public static final String FILE_NAME = "loradrop_labels.json";
    /** The value of the {@code format} key. */
    static final String FORMAT = "loradrop-labels";
    /** The format version written and read. */
    static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private AdapterLabels() {}

    /**
     * Checks a class label list: at least two labels, none blank, no repeats.
     * @param labels the labels in class-id order.
     * @param what where the labels come from, for the message.
     * @return an immutable copy.
     * @throws IllegalArgumentException naming the offending label.
     */
    public static List<String> check(List<String> labels, String what) {
        return check(labels, what, 2);
    }

    /**
     * Checks a list of output names (class or multi-label labels, regression dimension names): at least
     * {@code min}, none blank, no repeats.
     * @param labels the names in head-row order.
     * @param what where the names come from, for the message.
     * @param min the fewest names allowed (2 for a softmax classifier, 1 for sigmoid and regression heads).
     * @return an immutable copy.
     * @throws IllegalArgumentException naming the offending name.
     */
    public static List<String> check(List<String> labels, String what, int min) {
        if (labels.size() < min) {
            throw new IllegalArgumentException(what + " must name at least " + min + " label" + (min == 1 ? "" : "s")
                    + ", got " + labels);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < labels.size(); i++) {
            String l = labels.get(i);
            if (l == null || l.isBlank()) {
                throw new IllegalArgumentException(what + ": label " + i + " is blank in " + labels);
            }
            if (!seen.add(l)) {
                throw new IllegalArgumentException(what + ": label '" + l + "' appears twice in " + labels);
            }
        }
        return List.copyOf(labels);
    }

    /**
     * Writes {@value #FILE_NAME} into a folder, atomically.
     * @param dir the adapter folder (must exist).
     * @param labels the labels in class-id order.
     * @throws IOException when the file cannot be written (no partial file is left).
     * @throws IllegalArgumentException when the labels are invalid (see {@link #check}).
     */
    public static void write(Path dir, List<String> labels) throws IOException {
        writeAtomically(dir.resolve(FILE_NAME), bytes(labels));
    }

    /** The file's content for a label list (checked, see {@link #check}). */
    static byte[] bytes(List<String> labels) {
        List<String> checked = check(labels, "The adapter labels", 1);
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("format_version", FORMAT_VERSION);
        checked.forEach(root.putArray("labels")::add);
        ObjectNode id2label = root.putObject("id2label");
        for (int i = 0; i < checked.size(); i++) {
            id2label.put(Integer.toString(i), checked.get(i));
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize the labels " + checked, e);
        }
    }

    /**
     * Reads {@value #FILE_NAME} from a folder.
     * @param dir the adapter folder.
     * @return the labels in class-id order, or empty when the folder has no such file.
     * @throws IOException when the file cannot be read or is invalid (the message names the file and the problem).
     */
    public static Optional<List<String>> read(Path dir) throws IOException {
        Path f = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(f));
        } catch (JsonProcessingException e) {
            throw new IOException("Invalid JSON in " + f + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw new IOException(f + " is not a LoRA-Drop labels file (expected \"format\": \"" + FORMAT + "\")");
        }
        int v = root.path("format_version").asInt(-1);
        if (v != FORMAT_VERSION) {
            throw new IOException(f + ": unsupported format_version " + root.path("format_version")
                    + " (this LoRA-Drop reads " + FORMAT_VERSION + ")");
        }
        JsonNode arr = root.get("labels");
        if (arr == null || !arr.isArray()) {
            throw new IOException(f + ": \"labels\" is missing or not an array");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode n : arr) {
            if (!n.isTextual()) {
                throw new IOException(f + ": \"labels\" holds a non-string value " + n);
            }
            labels.add(n.asText());
        }
        try {
            return Optional.of(check(labels, f.toString(), 1));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Temporary file in the same folder, then a move, so readers never see half a file. */
    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        ai.loradrop.io.AtomicFiles.write(target, "the adapter labels", bytes);
    }
}
