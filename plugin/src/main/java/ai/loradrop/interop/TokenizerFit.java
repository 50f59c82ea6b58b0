/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Whether a tokenizer belongs to an encoder, checked where it can be: the single check of the tokenizer against the
 * embedding table used by training, adapter import and model loading, and the comparison with the tokenizer ids an
 * adapter records.
 * <p>
 * An id at or past the embedding table's last row is an error (ONNX Runtime would fail deep inside a Gather, or read
 * out of bounds). A tokenizer much smaller than the table (more than {@value #PADDING_SLACK} rows apart: tables
 * are padded to a multiple of at most 128) most likely belongs to another model and is warned about, as is a
 * tokenizer whose special ids differ from those an adapter was trained with.
 */
public final class TokenizerFit {
    private static final Logger logger = Logger.getLogger(TokenizerFit.class.getName());

    /** Embedding rows beyond the tokenizer's ids that are taken for padding of the table, not for another vocabulary. */
    static final int PADDING_SLACK = 128;

    private TokenizerFit() {}

    /**
     * Checks a tokenizer against an encoder's embedding table.
     * @param tokenizer the tokenizer.
     * @param encoder the encoder.
     * @param tokenizerName the tokenizer's file or description, for the message.
     * @param encoderName the encoder's file or description, for the message.
     * @throws IllegalArgumentException when the tokenizer has ids past the embedding table.
     */
    public static void check(Tokenizer tokenizer, EncoderModel encoder, String tokenizerName, String encoderName) {
        long rows = encoder.vocabSize();
        if (rows <= 0) {
            return;  // no embedding table found: nothing to compare
        }
        if (tokenizer.vocabSize() > rows) {
            throw new IllegalArgumentException("The tokenizer " + tokenizerName + " has " + tokenizer.vocabSize()
                    + " ids but the encoder " + encoderName + " has only " + rows + " embedding rows: they do not belong"
                    + " together (use the tokenizer the encoder was exported with)");
        }
        if (rows - tokenizer.vocabSize() > PADDING_SLACK) {
            logger.warning("The tokenizer " + tokenizerName + " has " + tokenizer.vocabSize() + " ids but the encoder "
                    + encoderName + " has " + rows + " embedding rows; the tokenizer probably belongs to another model"
                    + " (its ids would mean other words to this encoder)");
        }
    }

    /**
     * Compares a tokenizer with the ids an adapter records and warns when they differ.
     * @param tokenizer the tokenizer given for the import.
     * @param recorded the ids recorded at export, or null (nothing is compared).
     * @param adapter the adapter folder or description, for the message.
     * @return the differences, empty when the ids agree or none are recorded.
     */
    public static List<String> compare(Tokenizer tokenizer, TokenizerIds recorded, String adapter) {
        List<String> diffs = new ArrayList<>();
        if (recorded == null) {
            return diffs;
        }
        TokenizerIds now = TokenizerIds.of(tokenizer);
        diff(diffs, "vocabulary size", recorded.vocabSize(), now.vocabSize());
        diff(diffs, "[CLS] id", recorded.clsId(), now.clsId());
        diff(diffs, "[SEP] id", recorded.sepId(), now.sepId());
        diff(diffs, "padding id", recorded.padId(), now.padId());
        diff(diffs, "[UNK] id", recorded.unkId(), now.unkId());
        if (!diffs.isEmpty()) {
            logger.warning("The tokenizer differs from the one the adapter " + adapter + " was trained with (" + String.join(", ", diffs)
                    + "); its predictions will not be the exported model's");
        }
        return diffs;
    }

    private static void diff(List<String> out, String what, int recorded, int now) {
        if (recorded >= 0 && recorded != now) {
            out.add(what + " " + now + ", trained with " + recorded);
        }
    }
}
