/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.head.HeadLoss;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a head predicts, in Hugging Face's vocabulary ({@code PretrainedConfig.problem_type}, which
 * {@code AutoModelForSequenceClassification} and PEFT's {@code SEQ_CLS} task read): the value written as
 * {@code problem_type} into an adapter's {@code loradrop_config.json} and as {@value MergedOnnxExport#META_PROBLEM_TYPE}
 * into a merged ONNX model's metadata.
 */
public enum ProblemType {
    /** One class per text (softmax over the head's outputs; Tribuo's {@code Label}). */
    SINGLE_LABEL_CLASSIFICATION("single_label_classification"),
    /** A set of labels per text (one sigmoid per output; Tribuo's {@code MultiLabel}). */
    MULTI_LABEL_CLASSIFICATION("multi_label_classification"),
    /** Numbers per text (identity outputs; Tribuo's {@code Regressor}). */
    REGRESSION("regression");

    private final String hfName;

    ProblemType(String hfName) {
        this.hfName = hfName;
    }

    /**
     * The name Hugging Face gives the problem type.
     * @return e.g. {@code multi_label_classification}.
     */
    public String hfName() {
        return hfName;
    }

    /**
     * The problem type a head loss trains.
     * @param loss the head loss.
     * @return the problem type.
     */
    public static ProblemType of(HeadLoss loss) {
        return switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> SINGLE_LABEL_CLASSIFICATION;
            case SIGMOID_BINARY_CROSS_ENTROPY -> MULTI_LABEL_CLASSIFICATION;
            case MSE, HUBER -> REGRESSION;
        };
    }

    /**
     * The head loss an adapter of this problem type is read with when it records none (the training loss does not
     * change predictions; regression adapters read as {@link HeadLoss#MSE}).
     * @return the loss.
     */
    public HeadLoss defaultLoss() {
        return switch (this) {
            case SINGLE_LABEL_CLASSIFICATION -> HeadLoss.SOFTMAX_CROSS_ENTROPY;
            case MULTI_LABEL_CLASSIFICATION -> HeadLoss.SIGMOID_BINARY_CROSS_ENTROPY;
            case REGRESSION -> HeadLoss.MSE;
        };
    }

    /**
     * The problem type of a Hugging Face name.
     * @param name the name, e.g. {@code regression}.
     * @param where the file and key it comes from, for the message.
     * @return the problem type.
     * @throws IllegalArgumentException naming the value, the place and the known names.
     */
    public static ProblemType ofHfName(String name, String where) {
        for (ProblemType t : values()) {
            if (t.hfName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(where + ": unknown problem_type '" + name + "' (one of "
                + Arrays.stream(values()).map(ProblemType::hfName).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * The Hugging Face name, as messages show it.
     * @return {@link #hfName()}.
     */
    @Override
    public String toString() {
        return hfName;
    }
}
