/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.List;

/**
 * Where the special tokens go and which token type id each part gets, as in a tokenizer.json
 * {@code TemplateProcessing} post-processor restricted to the BERT shape: single {@code S1 A S2}, pair
 * {@code S1 A S2 B S3}, where each S is one special token with one id. Immutable.
 */
final class PostProcessorTemplate {

    /** One special token of the template. */
    static final class Special {
        final String token;
        final int id;
        final int typeId;

        Special(String token, int id, int typeId) {
            this.token = token;
            this.id = id;
            this.typeId = typeId;
        }
    }

    // Single: first, A (typeA), second. Pair: first, A (pairTypeA), second, B (pairTypeB), third.
    final Special singleFirst;
    final Special singleSecond;
    final int singleTypeA;
    final Special pairFirst;
    final Special pairSecond;
    final Special pairThird;
    final int pairTypeA;
    final int pairTypeB;

    PostProcessorTemplate(Special singleFirst, int singleTypeA, Special singleSecond,
                          Special pairFirst, int pairTypeA, Special pairSecond, int pairTypeB, Special pairThird) {
        this.singleFirst = singleFirst;
        this.singleSecond = singleSecond;
        this.singleTypeA = singleTypeA;
        this.pairFirst = pairFirst;
        this.pairSecond = pairSecond;
        this.pairThird = pairThird;
        this.pairTypeA = pairTypeA;
        this.pairTypeB = pairTypeB;
    }

    /**
     * The BERT template: {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]}, type ids 0 up to the first
     * [SEP] and 1 after it (what {@code BertProcessing} does).
     * @param cls The classification token.
     * @param clsId Its id.
     * @param sep The separator token.
     * @param sepId Its id.
     * @return The template.
     */
    static PostProcessorTemplate bert(String cls, int clsId, String sep, int sepId) {
        Special first = new Special(cls, clsId, 0);
        Special second = new Special(sep, sepId, 0);
        return new PostProcessorTemplate(first, 0, second, first, 0, second, 1, new Special(sep, sepId, 1));
    }

    /** The number of special tokens added to a single text. */
    static int singleSpecialCount() {
        return 2;
    }

    /** The number of special tokens added to a pair. */
    static int pairSpecialCount() {
        return 3;
    }

    /** The five special token slots of the templates (a token may fill several), for the serialized form. */
    List<Special> specials() {
        return List.of(singleFirst, singleSecond, pairFirst, pairSecond, pairThird);
    }

    /** The same template as generic special tokens. */
    SpecialTokens toSpecialTokens() {
        return new SpecialTokens(
                List.of(special(singleFirst), SpecialTokens.Piece.sequence('A', singleTypeA), special(singleSecond)),
                List.of(special(pairFirst), SpecialTokens.Piece.sequence('A', pairTypeA), special(pairSecond),
                        SpecialTokens.Piece.sequence('B', pairTypeB), special(pairThird)));
    }

    private static SpecialTokens.Piece special(Special s) {
        return SpecialTokens.Piece.special(s.token, new int[]{s.id}, s.typeId);
    }
}
