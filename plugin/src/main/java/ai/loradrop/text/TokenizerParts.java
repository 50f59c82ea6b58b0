/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.List;

/**
 * The pieces a {@link WordPieceTokenizer} is made of, as read from a tokenizer.json or built from a vocab.txt.
 * Immutable.
 */
final class TokenizerParts {

    final WordPieceModel model;
    /** Null when the tokenizer.json has no normalizer. */
    final BertNormalizer normalizer;
    final List<AddedToken> addedTokens;
    final PostProcessorTemplate template;
    final String padToken;
    final int padId;

    TokenizerParts(WordPieceModel model, BertNormalizer normalizer, List<AddedToken> addedTokens,
                   PostProcessorTemplate template, String padToken, int padId) {
        this.model = model;
        this.normalizer = normalizer;
        this.addedTokens = List.copyOf(addedTokens);
        this.template = template;
        this.padToken = padToken;
        this.padId = padId;
    }
}
