/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import com.oracle.labs.mlrg.olcut.util.Pair;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.provenance.ModelProvenance;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A test model whose predicted distribution is read from the example: feature {@code "p:X"} holds the probability
 * of label {@code X}. Lets a test control the scores exactly while going through Tribuo's prediction API.
 */
final class FixedProbabilityModel extends Model<Label> {
    private static final long serialVersionUID = 1L;

    FixedProbabilityModel(ModelProvenance provenance, ImmutableFeatureMap features, ImmutableOutputInfo<Label> outputs) {
        super("fixed-probability", provenance, features, outputs, true);
    }

    @Override
    public Prediction<Label> predict(Example<Label> example) {
        Map<String, Label> scores = new LinkedHashMap<>();
        Label best = null;
        for (Feature f : example) {
            String name = f.getName().substring(2);
            Label scored = new Label(name, f.getValue());
            scores.put(name, scored);
            if (best == null || scored.getScore() > best.getScore()) {
                best = scored;
            }
        }
        return new Prediction<>(best, scores, example.size(), example, true);
    }

    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        return new HashMap<>();
    }

    @Override
    public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
        return Optional.empty();
    }

    @Override
    protected Model<Label> copy(String newName, ModelProvenance newProvenance) {
        return new FixedProbabilityModel(newProvenance, featureIDMap, outputIDInfo);
    }
}
