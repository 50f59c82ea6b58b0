/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.interop.ProblemType;
import ai.loradrop.tribuo.AbstractLoraDropTrainer;
import ai.loradrop.tribuo.LoraDropMultiLabelTrainer;
import ai.loradrop.tribuo.LoraDropRegressionTrainer;
import ai.loradrop.tribuo.LoraDropTrainer;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The output type a command trains or evaluates ({@code --task}): one Tribuo output type each, with the trainer
 * whose {@code @Config} settings become the command's hyperparameter options.
 */
enum Task {
    /** One label per text ({@code Label}, {@link LoraDropTrainer}). */
    CLASSIFICATION(LoraDropTrainer.settings(), ProblemType.SINGLE_LABEL_CLASSIFICATION),
    /** A set of labels per text ({@code MultiLabel}, {@link LoraDropMultiLabelTrainer}). */
    MULTILABEL(LoraDropMultiLabelTrainer.settings(), ProblemType.MULTI_LABEL_CLASSIFICATION),
    /** A number per text ({@code Regressor}, {@link LoraDropRegressionTrainer}). */
    REGRESSION(LoraDropRegressionTrainer.settings(), ProblemType.REGRESSION);

    /** The option naming the task. */
    static final String OPTION = "--task";

    /** The help line of {@link #OPTION}. */
    static final String HELP = TrainerFlags.helpLine(OPTION + " " + choices(),
            "what the label column holds: one label (classification), labels joined by commas or a JSON array"
                    + " (multilabel), or a number (regression) [classification]");

    private final List<AbstractLoraDropTrainer.Setting> settings;
    private final ProblemType problemType;

    Task(List<AbstractLoraDropTrainer.Setting> settings, ProblemType problemType) {
        this.settings = settings;
        this.problemType = problemType;
    }

    /** The problem type of this task's models and adapters (Hugging Face's vocabulary). */
    ProblemType problemType() {
        return problemType;
    }

    /** The task of a problem type. */
    static Task of(ProblemType type) {
        for (Task t : values()) {
            if (t.problemType == type) {
                return t;
            }
        }
        throw new IllegalArgumentException("No task for " + type);
    }

    /** The settings of this task's trainer, the shared ones first. */
    List<AbstractLoraDropTrainer.Setting> settings() {
        return settings;
    }

    /** The name on the command line and in reports. */
    String option() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The choices, as the help shows them. */
    static String choices() {
        return Arrays.stream(values()).map(Task::option).collect(Collectors.joining("|"));
    }

    /**
     * The task the options ask for.
     * @param a the options.
     * @return the task, classification by default.
     */
    static Task of(Args a) {
        String v = a.value(OPTION, CLASSIFICATION.option());
        for (Task t : values()) {
            if (t.option().equals(v.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw a.error("Invalid " + OPTION + " " + v + ": one of " + choices());
    }
}
