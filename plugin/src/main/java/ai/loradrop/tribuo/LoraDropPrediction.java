/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import org.tribuo.Example;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.protos.core.PredictionProto;

import java.util.Map;
import java.util.Objects;

/**
 * A Tribuo {@link Prediction} of a {@link LoraDropModel} that also carries its {@link Uncertainty}.
 * <p>
 * It is an ordinary {@code Prediction<Label>} for every Tribuo API (evaluators, {@code LabelEvaluator}'s AUC,
 * Java serialization). Protobuf serialization writes it as a plain {@link Prediction}, so the uncertainty is not
 * part of Tribuo's prediction protobuf; read it before serializing if it is needed later.
 */
public final class LoraDropPrediction extends Prediction<Label> {
    private static final long serialVersionUID = 1L;

    /** The prediction's uncertainty. */
    private final Uncertainty uncertainty;

    /**
     * Creates a prediction.
     * @param output the arg-max label with its probability as score.
     * @param scores every label with its probability, by label name.
     * @param numUsed the number of features used (the example's feature count; the encoder reads the text).
     * @param example the example that was predicted.
     * @param uncertainty the prediction's uncertainty.
     */
    LoraDropPrediction(Label output, Map<String, Label> scores, int numUsed, Example<Label> example, Uncertainty uncertainty) {
        super(output, scores, numUsed, example, true);
        this.uncertainty = Objects.requireNonNull(uncertainty, "uncertainty");
    }

    /**
     * The uncertainty of this prediction.
     * @return the uncertainty.
     */
    public Uncertainty getUncertainty() {
        return uncertainty;
    }

    /**
     * Serializes as a plain {@link Prediction} (Tribuo's protobuf schema has no room for the uncertainty, and a
     * plain prediction deserializes without this plugin's classes).
     * @return the protobuf.
     */
    @Override
    public PredictionProto serialize() {
        return new Prediction<>(this, getNumActiveFeatures(), getExample()).serialize();
    }

    @Override
    public String toString() {
        return super.toString() + ", uncertainty=" + uncertainty;
    }
}
