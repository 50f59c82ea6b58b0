/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts added tokens out of a text the way Hugging Face's {@code AddedVocabulary} does: non-overlapping matches,
 * scanning left to right and taking the longest token at the leftmost position (Aho-Corasick "leftmost longest"),
 * honouring {@code single_word}, {@code lstrip} and {@code rstrip}. Immutable.
 */
final class AddedTokenMatcher {

    /** A piece of text: either plain text ({@code tokenId < 0}) or one matched added token. */
    static final class Segment {
        final String text;
        final int tokenId;

        Segment(String text, int tokenId) {
            this.text = text;
            this.tokenId = tokenId;
        }
    }

    /** Patterns grouped by their first UTF-16 unit, longest first. */
    private final Map<Character, List<Pattern>> byFirstChar;

    private static final class Pattern {
        final String text;
        final AddedToken token;

        Pattern(String text, AddedToken token) {
            this.text = text;
            this.token = token;
        }
    }

    /**
     * Builds a matcher.
     * @param tokens The tokens to match.
     * @param patterns The string to look for for each token (its content, or its normalized content), same order.
     */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> patterns) {
        Map<Character, List<Pattern>> map = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            String p = patterns.get(i);
            if (p.isEmpty()) {
                continue;
            }
            map.computeIfAbsent(p.charAt(0), k -> new ArrayList<>()).add(new Pattern(p, tokens.get(i)));
        }
        for (List<Pattern> list : map.values()) {
            list.sort((a, b) -> Integer.compare(b.text.length(), a.text.length()));
        }
        this.byFirstChar = map;
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /**
     * Splits a text into plain segments and matched added tokens.
     * @param text The text.
     * @return The segments in order; plain segments are never empty.
     */
    List<Segment> split(String text) {
        if (byFirstChar.isEmpty() || text.isEmpty()) {
            return text.isEmpty() ? Collections.emptyList() : List.of(new Segment(text, -1));
        }
        List<Segment> out = new ArrayList<>();
        int emitted = 0;
        int i = 0;
        while (i < text.length()) {
            Pattern match = longestAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + match.text.length();
            i = stop;
            AddedToken token = match.token;
            if (token.singleWord && (endsWithWordChar(text, start) || startsWithWordChar(text, stop))) {
                continue;
            }
            if (token.lstrip) {
                // Spaces already consumed by a previous match stay with it.
                start = Math.max(emitted, skipWhitespaceBackwards(text, start));
            }
            if (token.rstrip) {
                // The search goes on from the end of the match itself, as Hugging Face's does.
                stop = skipWhitespaceForwards(text, stop);
            }
            if (emitted < start) {
                out.add(new Segment(text.substring(emitted, start), -1));
            }
            out.add(new Segment(text.substring(start, stop), token.id));
            emitted = stop;
        }
        if (emitted < text.length()) {
            out.add(new Segment(text.substring(emitted), -1));
        }
        return out;
    }

    private Pattern longestAt(String text, int i) {
        List<Pattern> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) {
            return null;
        }
        for (Pattern p : candidates) {
            if (text.startsWith(p.text, i)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Word characters as in a Rust regex {@code \w}: Alphabetic, marks, decimal digits, connector punctuation and
     * the zero width (non-)joiners.
     */
    private static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp) || Character.isDigit(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
            case Character.COMBINING_SPACING_MARK:
            case Character.CONNECTOR_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    private static boolean endsWithWordChar(String text, int end) {
        return end > 0 && isWordChar(text.codePointBefore(end));
    }

    private static boolean startsWithWordChar(String text, int start) {
        return start < text.length() && isWordChar(text.codePointAt(start));
    }

    private static int skipWhitespaceBackwards(String text, int i) {
        while (i > 0) {
            int cp = text.codePointBefore(i);
            if (!BertCharacters.isWhitespace(cp)) {
                break;
            }
            i -= Character.charCount(cp);
        }
        return i;
    }

    private static int skipWhitespaceForwards(String text, int i) {
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (!BertCharacters.isWhitespace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }
}
