/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.tribuo.data.TextExamples;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Output;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The bag-of-words features of the Tribuo baselines: lower-cased words (maximal runs of letters and digits) and word
 * bigrams, present or absent, kept when they occur in at least {@code minCount} training texts; each example's
 * vector is scaled to unit length, and every example also carries the constant feature {@link #BIAS} so that a text
 * with no known word is still a valid Tribuo example.
 */
final class BagOfWords {

    /** The feature every example carries, with value 1. */
    static final String BIAS = "bow:bias";

    private final Set<String> vocabulary;
    private final int minCount;

    private BagOfWords(Set<String> vocabulary, int minCount) {
        this.vocabulary = vocabulary;
        this.minCount = minCount;
    }

    /**
     * Builds the vocabulary from the training texts.
     * @param train the training examples, text under {@code textKey}.
     * @param textKey the metadata key of the text.
     * @param minCount the minimum number of training texts a term must occur in.
     * @return the features.
     */
    static BagOfWords fit(Dataset<?> train, String textKey, int minCount) {
        Map<String, Integer> df = new HashMap<>();
        int i = 0;
        for (Example<?> ex : train) {
            for (String term : terms(TextExamples.requireText(ex, textKey, i++))) {
                df.merge(term, 1, Integer::sum);
            }
        }
        Set<String> vocab = new LinkedHashSet<>();
        new TreeMap<>(df).forEach((term, count) -> {
            if (count >= minCount) {
                vocab.add(term);
            }
        });
        return new BagOfWords(vocab, minCount);
    }

    /** The number of terms in the vocabulary. */
    int size() {
        return vocabulary.size();
    }

    /** The minimum document frequency. */
    int minCount() {
        return minCount;
    }

    /**
     * Turns text examples into bag-of-words examples with the same outputs, weights and metadata.
     * @param texts the text examples.
     * @param textKey the metadata key of the text.
     * @param description a description for the new dataset's provenance.
     * @param <T> the output type.
     * @return the feature dataset.
     */
    <T extends Output<T>> MutableDataset<T> transform(Dataset<T> texts, String textKey, String description) {
        MutableDataset<T> out = new MutableDataset<>(new SimpleDataSourceProvenance(description, texts.getOutputFactory()),
                texts.getOutputFactory());
        int i = 0;
        for (Example<T> ex : texts) {
            Set<String> present = new LinkedHashSet<>();
            for (String term : terms(TextExamples.requireText(ex, textKey, i++))) {
                if (vocabulary.contains(term)) {
                    present.add(term);
                }
            }
            ArrayExample<T> features = new ArrayExample<>(ex.getOutput(), ex.getWeight(), new HashMap<>(ex.getMetadata()));
            double value = present.isEmpty() ? 0 : 1.0 / Math.sqrt(present.size());
            for (String term : present) {
                features.add(term, value);
            }
            features.add(BIAS, 1.0);
            out.add(features);
        }
        return out;
    }

    /** The distinct terms of a text: words "w:..." and bigrams "b:... ...". */
    static Set<String> terms(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(cp -> {
            if (Character.isLetterOrDigit(cp)) {
                w.appendCodePoint(cp);
            } else if (w.length() > 0) {
                words.add(w.toString());
                w.setLength(0);
            }
        });
        if (w.length() > 0) {
            words.add(w.toString());
        }
        Set<String> terms = new LinkedHashSet<>();
        for (int k = 0; k < words.size(); k++) {
            terms.add("w:" + words.get(k));
            if (k > 0) {
                terms.add("b:" + words.get(k - 1) + " " + words.get(k));
            }
        }
        return terms;
    }
}
