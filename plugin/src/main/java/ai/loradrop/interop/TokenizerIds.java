/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.text.Tokenizer;

/**
 * The ids that tie a tokenizer to an encoder, recorded in an adapter's sidecar: an import with a tokenizer whose ids
 * differ (another model's vocabulary) gives the encoder ids it was not trained on, and is warned about.
 *
 * @param vocabSize the size of the id space.
 * @param clsId the id of the first special token ([CLS]).
 * @param sepId the id of the separator ([SEP]).
 * @param padId the padding id.
 * @param unkId the unknown-token id.
 */
public record TokenizerIds(int vocabSize, int clsId, int sepId, int padId, int unkId) {
    /**
     * The ids of a tokenizer.
     * @param t the tokenizer.
     * @return its ids.
     */
    public static TokenizerIds of(Tokenizer t) {
        int[] specials = t.singleSpecialIds();
        return new TokenizerIds(t.vocabSize(), specials.length > 0 ? specials[0] : -1,
                specials.length > 1 ? specials[specials.length - 1] : -1, t.padId(), t.unkId());
    }
}
