/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextExamplesTest {

    @Test
    void singleTextExampleHoldsTextAndOnePlaceholderFeature() {
        Example<Label> ex = TextExamples.of("a dog barks", new Label("animal"));
        assertEquals(Optional.of("a dog barks"), TextExamples.text(ex, TextExamples.DEFAULT_TEXT_KEY));
        assertEquals(Optional.empty(), TextExamples.text(ex, TextExamples.DEFAULT_PAIR_KEY));
        assertEquals("animal", ex.getOutput().getLabel());
        assertEquals(1.0f, ex.getWeight());
        List<Feature> features = new ArrayList<>();
        ex.forEach(features::add);
        assertEquals(1, features.size());
        assertEquals("loradrop:text", features.get(0).getName());
        assertEquals(1.0, features.get(0).getValue());
    }

    @Test
    void pairExampleHoldsBothTextsAndWeight() {
        Example<Label> ex = TextExamples.of("first", "second", new Label("entail"), 0.25f);
        assertEquals("first", ex.getMetadataValue("text").orElseThrow());
        assertEquals("second", ex.getMetadataValue("text_pair").orElseThrow());
        assertEquals(0.25f, ex.getWeight());
        assertEquals(Map.of("text", "first", "text_pair", "second"), ex.getMetadata());
    }

    @Test
    void blankTextsAndBadWeightsAreRejected() {
        Label l = new Label("x");
        assertThrows(IllegalArgumentException.class, () -> TextExamples.of("", l));
        assertThrows(IllegalArgumentException.class, () -> TextExamples.of(" \t\n", l));
        // NBSP, zero-width space and BOM leave nothing to tokenize.
        assertThrows(IllegalArgumentException.class, () -> TextExamples.of("\u00A0\u200B\uFEFF", l));
        assertThrows(IllegalArgumentException.class, () -> TextExamples.of("ok", " ", l, 1f));
        assertThrows(IllegalArgumentException.class, () -> TextExamples.of("ok", null, l, -1f));
        assertThrows(IllegalArgumentException.class, () -> TextExamples.of("ok", null, l, Float.NaN));
        assertThrows(NullPointerException.class, () -> TextExamples.of("ok", null));
    }

    @Test
    void isBlankTextKeepsVisibleCharacters() {
        assertTrue(TextExamples.isBlankText(null));
        assertTrue(TextExamples.isBlankText("\u2003\r\n"));
        assertFalse(TextExamples.isBlankText(" . "));
        assertFalse(TextExamples.isBlankText("\uD83D\uDE00")); // an emoji outside the BMP
    }

    @Test
    void requireTextNamesIndexIdAndKey() {
        Map<String, Object> meta = Map.of("id", "n0042", "text", "   ");
        Example<Label> blank = TextExamples.withMetadata(new Label("x"), 1f, meta);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextExamples.requireText(blank, "text", 17));
        assertEquals("Example 17 (id 'n0042') has an empty or whitespace-only text under metadata key 'text'", e.getMessage());

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> TextExamples.requireText(blank, "sentence", 3));
        assertEquals("Example 3 (id 'n0042') has no text under metadata key 'sentence'; its metadata keys are [id, text]",
                missing.getMessage());

        Example<Label> noMeta = new ArrayExample<>(new Label("x"), new String[]{"f"}, new double[]{1.0});
        IllegalArgumentException anon = assertThrows(IllegalArgumentException.class,
                () -> TextExamples.requireText(noMeta, "text", 0));
        assertTrue(anon.getMessage().startsWith("Example 0 has no text"), anon.getMessage());

        Example<Label> numeric = TextExamples.withMetadata(new Label("x"), 1f, Map.of("text", 12));
        IllegalArgumentException typed = assertThrows(IllegalArgumentException.class,
                () -> TextExamples.requireText(numeric, "text", 5));
        assertTrue(typed.getMessage().contains("java.lang.Integer"), typed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TextExamples.text(numeric, "text"));

        Example<Label> good = TextExamples.of("  padded text ", new Label("x"));
        assertEquals("  padded text ", TextExamples.requireText(good, "text", 0));
    }

    @Test
    void mutableDatasetAcceptsTextExamples() {
        MutableDataset<Label> ds = new MutableDataset<>(new SimpleDataSourceProvenance("test", new LabelFactory()), new LabelFactory());
        ds.add(TextExamples.of("one", new Label("a")));
        ds.add(TextExamples.of("two", new Label("b")));
        assertEquals(2, ds.size());
        assertEquals(1, ds.getFeatureMap().size());
        assertEquals(2, ds.getOutputInfo().size());
    }
}
