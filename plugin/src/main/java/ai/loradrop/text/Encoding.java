/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The model inputs for one text or text pair: token ids with the special tokens, token type ids and an attention
 * mask of ones. Not padded; padding to a batch shape is the batcher's job. Immutable: the accessors that return
 * arrays return copies.
 */
public final class Encoding implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Token ids, special tokens included. */
    private final int[] inputIds;
    /** Token type ids, same length as {@link #inputIds}. */
    private final int[] typeIds;
    /** Whether word pieces were dropped. */
    private final boolean truncated;
    /** Word pieces before truncation, specials excluded. */
    private final int originalTokenCount;

    /**
     * Builds an encoding.
     * @param inputIds The token ids, special tokens included; copied.
     * @param typeIds The token type ids, same length; copied.
     * @param truncated Whether word pieces were dropped to respect the maximum length.
     * @param originalTokenCount The number of word pieces of the text(s) before truncation, specials excluded.
     */
    public Encoding(int[] inputIds, int[] typeIds, boolean truncated, int originalTokenCount) {
        if (inputIds.length != typeIds.length) {
            throw new IllegalArgumentException("inputIds has " + inputIds.length + " entries but typeIds has "
                    + typeIds.length);
        }
        if (originalTokenCount < 0) {
            throw new IllegalArgumentException("originalTokenCount must be non-negative, found "
                    + originalTokenCount);
        }
        this.inputIds = inputIds.clone();
        this.typeIds = typeIds.clone();
        this.truncated = truncated;
        this.originalTokenCount = originalTokenCount;
    }

    /**
     * The number of tokens, special tokens included.
     * @return The sequence length.
     */
    public int length() {
        return inputIds.length;
    }

    /**
     * The token id at a position.
     * @param position A position in {@code [0, length())}.
     * @return The token id.
     */
    public int inputId(int position) {
        return inputIds[position];
    }

    /**
     * The token type id at a position.
     * @param position A position in {@code [0, length())}.
     * @return The token type id (0 for the first text, 1 for the second text of a pair).
     */
    public int typeId(int position) {
        return typeIds[position];
    }

    /**
     * The token ids, special tokens included.
     * @return A copy of the ids.
     */
    public int[] inputIds() {
        return inputIds.clone();
    }

    /**
     * The token ids as longs, the element type of ONNX BERT inputs.
     * @return A new array of the ids.
     */
    public long[] inputIdsAsLongs() {
        return toLongs(inputIds);
    }

    /**
     * The token type ids.
     * @return A copy of the type ids.
     */
    public int[] typeIds() {
        return typeIds.clone();
    }

    /**
     * The token type ids as longs.
     * @return A new array of the type ids.
     */
    public long[] typeIdsAsLongs() {
        return toLongs(typeIds);
    }

    /**
     * The attention mask: one for every token, as nothing is padded.
     * @return A new array of ones of length {@link #length()}.
     */
    public int[] attentionMask() {
        int[] mask = new int[inputIds.length];
        Arrays.fill(mask, 1);
        return mask;
    }

    /**
     * Whether word pieces were dropped to respect the maximum length.
     * @return True if the encoding was truncated.
     */
    public boolean truncated() {
        return truncated;
    }

    /**
     * The number of word pieces the text (or both texts of a pair) produced before truncation, without the
     * special tokens.
     * @return The untruncated word piece count.
     */
    public int originalTokenCount() {
        return originalTokenCount;
    }

    /**
     * Checks the invariants of a deserialized encoding.
     * @param in The stream.
     * @throws IOException If reading fails or the arrays are inconsistent.
     * @throws ClassNotFoundException If a class is missing.
     */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (inputIds == null || typeIds == null || inputIds.length != typeIds.length || originalTokenCount < 0) {
            throw new InvalidObjectException("corrupt Encoding: id and type id arrays differ or are missing");
        }
    }

    private static long[] toLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Encoding)) {
            return false;
        }
        Encoding that = (Encoding) o;
        return truncated == that.truncated && originalTokenCount == that.originalTokenCount
                && Arrays.equals(inputIds, that.inputIds) && Arrays.equals(typeIds, that.typeIds);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(inputIds) + Arrays.hashCode(typeIds)) + originalTokenCount
                + (truncated ? 1 : 0);
    }

    @Override
    public String toString() {
        return "Encoding(inputIds=" + Arrays.toString(inputIds) + ", typeIds=" + Arrays.toString(typeIds)
                + ", truncated=" + truncated + ", originalTokenCount=" + originalTokenCount + ")";
    }
}
