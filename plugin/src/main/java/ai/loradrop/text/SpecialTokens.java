/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the special tokens of a tokenizer go and which token type id each part gets, for a single text and for a
 * pair: the one place that turns word pieces into model inputs, for every model type. Built from a tokenizer.json
 * {@code post_processor} ({@code BertProcessing}, {@code RobertaProcessing}, {@code TemplateProcessing}, or none).
 * Immutable.
 */
final class SpecialTokens {

    /** One piece of a template: a special token (one or more ids) or the sequence A or B. */
    static final class Piece {
        /** 'A', 'B' or 0 for a special token. */
        final char sequence;
        /** The special token's name, or null. */
        final String token;
        /** The special token's ids, empty for a sequence. */
        final int[] ids;
        /** The token type id of every token of this piece. */
        final int typeId;

        private Piece(char sequence, String token, int[] ids, int typeId) {
            this.sequence = sequence;
            this.token = token;
            this.ids = ids;
            this.typeId = typeId;
        }

        static Piece special(String token, int[] ids, int typeId) {
            return new Piece((char) 0, token, ids.clone(), typeId);
        }

        static Piece sequence(char which, int typeId) {
            return new Piece(which, null, new int[0], typeId);
        }
    }

    private final List<Piece> single;
    private final List<Piece> pair;
    private final int singleCount;
    private final int pairCount;

    /**
     * @param single The single-text template; holds sequence A once.
     * @param pair The pair template; holds sequences A and B once each.
     */
    SpecialTokens(List<Piece> single, List<Piece> pair) {
        check(single, "single", 'A');
        check(pair, "pair", 'A');
        check(pair, "pair", 'B');
        this.single = List.copyOf(single);
        this.pair = List.copyOf(pair);
        this.singleCount = count(single);
        this.pairCount = count(pair);
    }

    /** No special tokens: A with type id 0, B with type id 1 (what Hugging Face does without a post-processor). */
    static SpecialTokens none() {
        return new SpecialTokens(List.of(Piece.sequence('A', 0)), List.of(Piece.sequence('A', 0), Piece.sequence('B', 1)));
    }

    /** {@code BertProcessing}: {@code cls A sep} and {@code cls A sep B sep}, type 1 from B on. */
    static SpecialTokens bert(String cls, int clsId, String sep, int sepId) {
        Piece c = Piece.special(cls, new int[]{clsId}, 0);
        Piece s0 = Piece.special(sep, new int[]{sepId}, 0);
        return new SpecialTokens(List.of(c, Piece.sequence('A', 0), s0),
                List.of(c, Piece.sequence('A', 0), s0, Piece.sequence('B', 1), Piece.special(sep, new int[]{sepId}, 1)));
    }

    /**
     * {@code RobertaProcessing}: {@code cls A sep} and {@code cls A sep sep B sep}, every type id 0 (as Hugging Face
     * {@code tokenizers} 0.21 gives it).
     */
    static SpecialTokens roberta(String cls, int clsId, String sep, int sepId) {
        Piece c = Piece.special(cls, new int[]{clsId}, 0);
        Piece s = Piece.special(sep, new int[]{sepId}, 0);
        return new SpecialTokens(List.of(c, Piece.sequence('A', 0), s),
                List.of(c, Piece.sequence('A', 0), s, s, Piece.sequence('B', 0), s));
    }

    private static void check(List<Piece> template, String name, char which) {
        int n = 0;
        for (Piece p : template) {
            n += p.sequence == which ? 1 : 0;
        }
        if (n != 1) {
            throw new IllegalArgumentException("the '" + name + "' template must hold $" + which + " exactly once, found "
                    + n + " times");
        }
    }

    private static int count(List<Piece> template) {
        int n = 0;
        for (Piece p : template) {
            n += p.ids.length;
        }
        return n;
    }

    /** The number of special tokens added to a single text. */
    int singleCount() {
        return singleCount;
    }

    /** The number of special tokens added to a pair. */
    int pairCount() {
        return pairCount;
    }

    /** The single-text template. */
    List<Piece> single() {
        return single;
    }

    /** The pair template. */
    List<Piece> pair() {
        return pair;
    }

    /** The ids of the special tokens of the single template, in order (for instance [CLS] and [SEP]). */
    int[] singleSpecialIds() {
        List<Integer> ids = new ArrayList<>();
        for (Piece p : single) {
            for (int id : p.ids) {
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Every id a template can add. */
    int maxId() {
        int max = -1;
        for (Piece p : pair) {
            for (int id : p.ids) {
                max = Math.max(max, id);
            }
        }
        for (Piece p : single) {
            for (int id : p.ids) {
                max = Math.max(max, id);
            }
        }
        return max;
    }

    /**
     * Builds the model inputs of a single text.
     * @param a The (already truncated) pieces of the text.
     */
    Encoding single(int[] a, boolean truncated, int originalCount) {
        return build(single, a, null, truncated, originalCount);
    }

    /**
     * Builds the model inputs of a pair.
     * @param a The (already truncated) pieces of the first text.
     * @param b Those of the second text.
     */
    Encoding pair(int[] a, int[] b, boolean truncated, int originalCount) {
        return build(pair, a, b, truncated, originalCount);
    }

    private static Encoding build(List<Piece> template, int[] a, int[] b, boolean truncated, int originalCount) {
        int n = count(template) + a.length + (b == null ? 0 : b.length);
        int[] ids = new int[n];
        int[] types = new int[n];
        int p = 0;
        for (Piece piece : template) {
            int[] src = piece.sequence == 'A' ? a : piece.sequence == 'B' ? b : piece.ids;
            for (int id : src) {
                ids[p] = id;
                types[p++] = piece.typeId;
            }
        }
        return new Encoding(ids, types, truncated, originalCount);
    }
}
