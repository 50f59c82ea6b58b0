/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainers of every output type share one definition of their common settings: the multi-label and regression
 * trainers list exactly {@link LoraDropTrainer#settings()} (same names, types, descriptions and defaults, in the same
 * order) followed by their own field, the generic {@code set} reaches every one of them, and validation names the
 * field.
 */
class OutputTrainerSettingsTest {
    @TempDir
    Path dir;

    private static void assertSharedThen(List<LoraDropTrainer.Setting> all, String own) {
        List<LoraDropTrainer.Setting> shared = LoraDropTrainer.settings();
        assertEquals(shared.size() + 1, all.size(), "shared settings plus " + own);
        for (int i = 0; i < shared.size(); i++) {
            LoraDropTrainer.Setting a = shared.get(i);
            LoraDropTrainer.Setting b = all.get(i);
            assertEquals(a.name(), b.name());
            assertEquals(a.type(), b.type(), a.name());
            assertEquals(a.description(), b.description(), a.name());
            assertEquals(a.defaultValue(), b.defaultValue(), a.name());
            assertEquals(a.field(), b.field(), a.name() + " is one field, declared once");
        }
        assertEquals(own, all.get(all.size() - 1).name());
    }

    @Test
    void newTrainersListTheSharedSettingsThenTheirOwn() {
        assertSharedThen(LoraDropMultiLabelTrainer.settings(), "threshold");
        assertSharedThen(LoraDropRegressionTrainer.settings(), "loss");
        assertEquals(0.5, LoraDropMultiLabelTrainer.settings().get(LoraDropTrainer.settings().size()).defaultValue());
        assertEquals(RegressionLoss.MSE, LoraDropRegressionTrainer.settings().get(LoraDropTrainer.settings().size()).defaultValue());
    }

    @Test
    void setReachesSharedAndOwnFieldsAndValidationNamesThem() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        LoraDropRegressionTrainer r = LoraDropRegressionTrainer.builder(f.model, f.vocab).set("epochs", 3).set("rank", 2)
                .loss(RegressionLoss.HUBER).build();
        assertTrue(r.toString().contains("epochs=3") && r.toString().contains("loss=HUBER"), r.toString());
        PropertyException e = assertThrows(PropertyException.class,
                () -> LoraDropMultiLabelTrainer.builder(f.model, f.vocab).threshold(1.0).build());
        assertEquals("threshold", e.getProperty());
        PropertyException shared = assertThrows(PropertyException.class,
                () -> LoraDropMultiLabelTrainer.builder(f.model, f.vocab).set("dropout", 1.5).build());
        assertEquals("dropout", shared.getProperty());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> LoraDropRegressionTrainer.builder(f.model, f.vocab).set("threshold", 0.3));
        assertTrue(unknown.getMessage().contains("no setting 'threshold'"), unknown.getMessage());
    }
}
