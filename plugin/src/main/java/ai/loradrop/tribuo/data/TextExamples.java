/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import ai.loradrop.train.DocumentEncoder;
import org.tribuo.Example;
import org.tribuo.Output;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Constants and static helpers for Tribuo {@link Example}s that carry raw text.
 * <p>
 * Tribuo features are named numbers, so a text example keeps its raw text in the example
 * metadata: under {@link #DEFAULT_TEXT_KEY} for the text and {@link #DEFAULT_PAIR_KEY} for the optional
 * second text of a sentence pair (both keys are configurable in the trainer and the data source).
 * String metadata values survive Tribuo's protobuf serialization unchanged.
 * <p>
 * Every text example also carries exactly one placeholder feature, {@link #PLACEHOLDER_FEATURE} with
 * value {@link #PLACEHOLDER_VALUE}. It exists because Tribuo rejects feature-less examples
 * ({@code MutableDataset.add} and most {@code Model.predict} implementations throw on them), and because a
 * single fixed name gives every text data set the same one-feature domain, so a model trained on one
 * text data set accepts examples built from any other. The encoder never reads it.
 */
public final class TextExamples {

    /**
     * The default metadata key holding an example's text.
     */
    public static final String DEFAULT_TEXT_KEY = "text";

    /**
     * The default metadata key holding the optional second text of a sentence pair.
     */
    public static final String DEFAULT_PAIR_KEY = "text_pair";

    /**
     * The metadata key holding an example's identifier, when the data has one.
     */
    public static final String ID_KEY = "id";

    /**
     * The name of the single placeholder feature every text example carries (see the class documentation).
     */
    public static final String PLACEHOLDER_FEATURE = "loradrop:text";

    /**
     * The value of the placeholder feature.
     */
    public static final double PLACEHOLDER_VALUE = 1.0;

    private TextExamples() {}

    /**
     * Creates a text example with weight {@link Example#DEFAULT_WEIGHT}, storing the text under
     * {@link #DEFAULT_TEXT_KEY}.
     * @param text The text; must contain a visible character.
     * @param label The label.
     * @return A new example holding the text and the placeholder feature.
     * @throws IllegalArgumentException If the text is null, empty or whitespace-only.
     */
    public static Example<Label> of(String text, Label label) {
        return of(text, null, label, Example.DEFAULT_WEIGHT);
    }

    /**
     * Creates a text example, storing the text under {@link #DEFAULT_TEXT_KEY} and, when present, the
     * second text under {@link #DEFAULT_PAIR_KEY}.
     * @param text The text; must contain a visible character.
     * @param pair The second text of a sentence pair, or null for a single text.
     * @param label The label.
     * @param weight The example weight.
     * @return A new example holding the text(s) and the placeholder feature.
     * @throws IllegalArgumentException If a text is empty or whitespace-only, or the weight is negative or not finite.
     */
    public static Example<Label> of(String text, String pair, Label label, float weight) {
        Map<String, Object> metadata = new HashMap<>(4);
        metadata.put(DEFAULT_TEXT_KEY, checkText(text, "text"));
        if (pair != null) {
            metadata.put(DEFAULT_PAIR_KEY, checkText(pair, "pair"));
        }
        return withMetadata(label, weight, metadata);
    }

    /**
     * Creates an example with the given output, weight and metadata plus the placeholder feature.
     * <p>
     * This is the building block for text examples stored under non-default metadata keys; it does not
     * check the metadata.
     * @param output The output.
     * @param weight The example weight, finite and non-negative.
     * @param metadata The metadata, copied.
     * @param <T> The output type.
     * @return A new example with one feature, {@link #PLACEHOLDER_FEATURE}.
     * @throws IllegalArgumentException If the weight is negative or not finite.
     */
    public static <T extends Output<T>> Example<T> withMetadata(T output, float weight, Map<String, Object> metadata) {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(metadata, "metadata");
        if (!Float.isFinite(weight) || weight < 0) {
            throw new IllegalArgumentException("Example weight must be finite and non-negative, found " + weight);
        }
        ArrayExample<T> example = new ArrayExample<>(output, weight, metadata);
        example.add(PLACEHOLDER_FEATURE, PLACEHOLDER_VALUE);
        return example;
    }

    /**
     * Reads the text stored under a metadata key.
     * @param example The example.
     * @param key The metadata key.
     * @return The text, or an empty optional when the key is absent.
     * @throws IllegalArgumentException If the key holds something other than a String.
     */
    public static Optional<String> text(Example<?> example, String key) {
        Optional<Object> value = example.getMetadataValue(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Object v = value.get();
        if (v instanceof String) {
            return Optional.of((String) v);
        }
        throw new IllegalArgumentException("Metadata key '" + key + "' holds a " + v.getClass().getName()
                + ", expected a String");
    }

    /**
     * Reads the text stored under a metadata key, failing when it is missing or unusable.
     * @param example The example.
     * @param key The metadata key.
     * @param index The example's position in its data set, used in the error message.
     * @return The text, unchanged.
     * @throws IllegalArgumentException Naming the example index (and its id metadata, if any) when the key
     *                                  is absent, holds a non-String, or holds an empty or whitespace-only text.
     */
    public static String requireText(Example<?> example, String key, int index) {
        Optional<Object> value = example.getMetadataValue(key);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(describe(example, index) + " has no text under metadata key '" + key
                    + "'; its metadata keys are " + new TreeSet<>(example.getMetadata().keySet()));
        }
        Object v = value.get();
        if (!(v instanceof String)) {
            throw new IllegalArgumentException(describe(example, index) + " holds a " + v.getClass().getName()
                    + " under metadata key '" + key + "', expected a String");
        }
        String text = (String) v;
        if (isBlankText(text)) {
            throw new IllegalArgumentException(describe(example, index) + " has an empty or whitespace-only text"
                    + " under metadata key '" + key + "'");
        }
        return text;
    }

    /**
     * The document an example holds, for {@link DocumentEncoder}: its text (and second text, for pairs), a class
     * index and its weight.
     * @param example The example.
     * @param index The example's position in its data set, used in error messages.
     * @param textKey The metadata key of the text.
     * @param pairKey The metadata key of the second text, or null for single texts.
     * @param label The class index, or -1 when unknown.
     * @return The document.
     * @throws IllegalArgumentException As {@link #requireText(Example, String, int)}.
     */
    public static DocumentEncoder.Document document(Example<?> example, int index, String textKey, String pairKey,
                                                    int label) {
        String text = requireText(example, textKey, index);
        String pair = pairKey == null ? null : requireText(example, pairKey, index);
        return new DocumentEncoder.Document(text, pair, label, example.getWeight());
    }

    /**
     * Tests whether a text has nothing a tokenizer could turn into a token: it is empty or every code point
     * is whitespace (including Unicode space separators such as U+00A0) or an invisible control or format
     * character (such as U+200B).
     * @param text The text.
     * @return True if the text is null, empty or holds no visible character.
     */
    public static boolean isBlankText(String text) {
        if (text == null) {
            return true;
        }
        return text.codePoints().allMatch(TextExamples::isInvisible);
    }

    private static boolean isInvisible(int codePoint) {
        if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
            return true;
        }
        int type = Character.getType(codePoint);
        return type == Character.CONTROL || type == Character.FORMAT;
    }

    private static String checkText(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException("The " + what + " must not be null");
        }
        if (isBlankText(text)) {
            throw new IllegalArgumentException("The " + what + " must not be empty or whitespace-only");
        }
        return text;
    }

    private static String describe(Example<?> example, int index) {
        StringBuilder sb = new StringBuilder("Example ").append(index);
        Optional<Object> id = example.getMetadataValue(ID_KEY);
        if (id.isEmpty()) {
            id = example.getMetadataValue(Example.NAME);
        }
        id.ifPresent(value -> sb.append(" (id '").append(value).append("')"));
        return sb.toString();
    }
}
