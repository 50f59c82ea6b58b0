/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.text.Encoding;
import ai.loradrop.text.LongText;
import ai.loradrop.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Text to model rows, in one place for the trainer, the model and the command line: a document (a text, or a text
 * pair) becomes one row, or with {@link LongText#WINDOWS} one row per window, each carrying the document's label and
 * {@code weight / windows} so that a long document weighs as much as a short one. {@link #meanPerDocument} turns
 * per-row probabilities back into per-document ones (the mean over the document's windows).
 * <p>
 * Immutable and thread-safe.
 */
public final class DocumentEncoder {
    private final Tokenizer tokenizer;
    private final int maxLength;
    private final LongText longText;
    private final int windowStride;

    /**
     * One document to encode.
     * @param text the text.
     * @param pair the second text of a pair, or null.
     * @param label the class index, or -1 when unknown (prediction).
     * @param weight the document's weight (finite, non-negative).
     * @param targets the float targets of a sigmoid or regression head, or null.
     */
    public record Document(String text, String pair, int label, float weight, float[] targets) {
        /**
         * Validates.
         * @param text the text.
         * @param pair the second text of a pair, or null.
         * @param label the class index, or -1 when unknown (prediction).
         * @param weight the document's weight (finite, non-negative).
         * @param targets the float targets of a sigmoid or regression head, or null.
         */
        public Document {
            Objects.requireNonNull(text, "text");
        }

        /**
         * A document with a class index (or none).
         * @param text the text.
         * @param pair the second text of a pair, or null.
         * @param label the class index, or -1 when unknown (prediction).
         * @param weight the document's weight (finite, non-negative).
         */
        public Document(String text, String pair, int label, float weight) {
            this(text, pair, label, weight, null);
        }

        /**
         * The same document with float targets.
         * @param values the targets.
         * @return the document.
         */
        public Document withTargets(float[] values) {
            return new Document(text, pair, -1, weight, values);
        }
    }

    /**
     * The rows of a list of documents.
     * @param rows the rows (documents in order, a document's windows in text order).
     * @param documentOfRow the index of each row's document.
     * @param documents the number of documents.
     * @param truncated how many documents did not fit in {@code maxLength} tokens (truncated, cut to head and tail,
     *                  or split into windows).
     */
    public record Rows(List<EncodedExample> rows, int[] documentOfRow, int documents, int truncated) {
        /**
         * Whether some document has more than one row.
         * @return true when rows and documents differ.
         */
        public boolean windowed() {
            return rows.size() != documents;
        }

        /**
         * The rows of each document.
         * @return for each document, the indices of its rows.
         */
        public int[][] rowsOfDocument() {
            int[] count = new int[documents];
            for (int d : documentOfRow) {
                count[d]++;
            }
            int[][] out = new int[documents][];
            for (int d = 0; d < documents; d++) {
                out[d] = new int[count[d]];
            }
            int[] fill = new int[documents];
            for (int r = 0; r < documentOfRow.length; r++) {
                int d = documentOfRow[r];
                out[d][fill[d]++] = r;
            }
            return out;
        }
    }

    /**
     * Creates an encoder.
     * @param tokenizer the tokenizer.
     * @param maxLength tokens per row, special tokens included.
     * @param longText what to do with a document longer than {@code maxLength}.
     * @param windowStride for {@link LongText#WINDOWS}, word pieces between the starts of two windows.
     * @throws IllegalArgumentException when the stride does not fit the window (with {@code WINDOWS}).
     */
    public DocumentEncoder(Tokenizer tokenizer, int maxLength, LongText longText, int windowStride) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.maxLength = maxLength;
        this.longText = Objects.requireNonNull(longText, "longText");
        this.windowStride = windowStride;
        if (longText == LongText.WINDOWS) {
            tokenizer.checkStride(windowStride, maxLength);
        }
    }

    /**
     * The tokenizer.
     * @return the tokenizer.
     */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The encodings of one document: one, or one per window.
     * @param text the text.
     * @param pair the second text, or null; pairs are always truncated ({@code HEAD_TAIL} and {@code WINDOWS} apply
     *             to single texts).
     * @return the encodings.
     */
    public List<Encoding> encodings(String text, String pair) {
        if (pair != null) {
            return List.of(tokenizer.encodePair(text, pair, maxLength));
        }
        return tokenizer.encodeLong(text, maxLength, longText, windowStride);
    }

    /**
     * Encodes documents into rows.
     * @param documents the documents.
     * @return the rows.
     */
    public Rows encode(List<Document> documents) {
        List<EncodedExample> rows = new ArrayList<>(documents.size());
        List<Integer> docOf = new ArrayList<>(documents.size());
        int truncated = 0;
        for (int d = 0; d < documents.size(); d++) {
            Document doc = documents.get(d);
            List<Encoding> enc = encodings(doc.text(), doc.pair());
            truncated += enc.get(0).truncated() ? 1 : 0;
            float w = doc.weight() / enc.size();
            for (Encoding e : enc) {
                rows.add(new EncodedExample(e.inputIds(), e.typeIds(), doc.label(), w, doc.targets()));
                docOf.add(d);
            }
        }
        return new Rows(rows, docOf.stream().mapToInt(Integer::intValue).toArray(), documents.size(), truncated);
    }

    /**
     * The mean over each document's rows of per-row values (probabilities, or per-member probabilities flattened).
     * @param rows the rows the values belong to.
     * @param perRow one array per row, all of the same length.
     * @return one array per document.
     */
    public static double[][] meanPerDocument(Rows rows, double[][] perRow) {
        int[][] of = rows.rowsOfDocument();
        double[][] out = new double[of.length][];
        for (int d = 0; d < of.length; d++) {
            double[] m = new double[perRow[of[d][0]].length];
            for (int r : of[d]) {
                for (int j = 0; j < m.length; j++) {
                    m[j] += perRow[r][j];
                }
            }
            for (int j = 0; j < m.length; j++) {
                m[j] /= of[d].length;
            }
            out[d] = m;
        }
        return out;
    }
}
