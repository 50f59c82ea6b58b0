/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.ReadingOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loading a model file written by {@code train} (or any serialized {@link LoraDropModel}), and choosing its
 * ensemble setting from {@code --ensemble} / {@code --ensemble-seed}.
 */
final class SavedModel {
    private SavedModel() {}

    /**
     * Loads a model.
     * @param file the file (Tribuo protobuf).
     * @return the model; close it after use.
     * @throws IOException when it is not a readable LoRA-Drop model.
     */
    static LoraDropModel load(Path file) throws IOException {
        return load(file, null);
    }

    /**
     * Loads a model, reading a referenced (not embedded) base encoder from {@code baseModel} when given.
     * @param file the file (Tribuo protobuf).
     * @param baseModel the referenced encoder's new place, or null for its recorded path.
     * @return the model; close it after use.
     * @throws IOException when it is not a readable LoRA-Drop model; the message gives the innermost reason (a moved
     *                     or edited encoder, a damaged file) rather than a reflection wrapper's.
     */
    static LoraDropModel load(Path file, Path baseModel) throws IOException {
        if (Files.isRegularFile(file) && Files.size(file) == 0) {
            throw new IOException("The model file " + file + " is empty (0 bytes): it was not written completely, or is"
                    + " not a model; train or export it again");
        }
        try {
            return LoraDropModel.deserializeFromFile(file, baseModel);
        } catch (IOException | RuntimeException e) {
            String why = reason(e);
            if (why.contains("is missing") || why.contains("has SHA-256")) {
                why += baseModel == null ? "; if the encoder moved, give its new place with --base-model"
                        : "";
            }
            throw new IOException("Cannot load the model " + file + ": " + why, e);
        }
    }

    /** The innermost message of a failure, skipping reflection and deserialization wrappers. */
    static String reason(Throwable e) {
        Throwable best = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank() && !(t instanceof java.lang.reflect.InvocationTargetException)) {
                best = t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        String m = best.getMessage();
        if (best instanceof com.google.protobuf.InvalidProtocolBufferException) {
            m = "not a valid model file (" + m + ")";
        }
        return m == null ? best.getClass().getSimpleName() : m;
    }

    /** The help line of {@code --threads} for predict and evaluate. */
    static final String THREADS_HELP = "  --threads N              ONNX Runtime threads, at most the machine's cores; 0 = its choice [the model's]";

    /**
     * The model (of any task) with the thread count of {@code --threads}, or as it is without the option. Closes
     * {@code model} when it returns a copy.
     * @param a the options.
     * @param model the loaded model.
     * @param <M> the model type.
     * @return the model to use; close it after use.
     * @throws UsageException when the count is negative or above the machine's cores.
     */
    static <M extends ReadingOptions<M>> M withThreads(Args a, M model) {
        if (!a.has("--threads")) {
            return model;
        }
        int n = a.intValue("--threads", 0);
        try (model) {
            return model.withThreads(n);
        } catch (IllegalArgumentException e) {
            throw a.error("Invalid --threads: " + e.getMessage());
        }
    }

    /** The option that overrides a saved model's int8 prediction form ({@code predict} and {@code evaluate}). */
    static final String QUANTIZED_MERGE = "--quantized-merge";

    /** The help line of {@link #QUANTIZED_MERGE}: the setting's one description, and the model's value as default. */
    static final String QUANTIZED_MERGE_HELP = TrainerFlags.helpLine(QUANTIZED_MERGE + " F",
            QuantizedMerge.DESCRIPTION + " [the model's]");

    /**
     * The model (of any task) with the int8 prediction form of {@code --quantized-merge}, or as it is without the
     * option. Closes {@code model} when it returns a copy, or throws.
     * @param a the options.
     * @param model the loaded model.
     * @param <M> the model type.
     * @return the model to use; close it after use.
     * @throws UsageException naming the option when the value is not one of {@link QuantizedMerge#values()}.
     */
    static <M extends ReadingOptions<M>> M withQuantizedMerge(Args a, M model) {
        if (!a.has(QUANTIZED_MERGE)) {
            return model;
        }
        try (model) {
            return model.withQuantizedMerge(a.enumValue(QUANTIZED_MERGE, QuantizedMerge.class, model.getQuantizedMerge()));
        }
    }

    /**
     * The ensemble size from {@code --ensemble}, defaulting to the model's own.
     * @throws UsageException when K is below 1, or above 1 for a model trained without LoRA dropout.
     */
    static int ensembleSize(Args a, LoraDropModel model) {
        int k = a.intValue("--ensemble", model.getEnsembleSize());
        if (k < 1) {
            throw a.error("--ensemble must be at least 1, got " + k);
        }
        if (k > 1 && !model.getSpec().lora().hasDropout()) {
            throw a.error("--ensemble " + k + " averages LoRA dropout masks, but this model was trained without LoRA"
                    + " dropout (mode " + model.getSpec().lora().dropoutMode() + ", p = " + model.getSpec().lora().dropout() + ")");
        }
        return k;
    }

    /** The options that change how a saved model reads long texts ({@code predict} and {@code evaluate}). */
    static final List<String> LONG_TEXT_OPTIONS = List.of("--long-text", "--window-stride");

    /** The help lines of {@link #LONG_TEXT_OPTIONS}. */
    static final String LONG_TEXT_HELP = String.join("\n",
            "  --long-text M            texts longer than the model's max length: TRUNCATE | HEAD_TAIL | WINDOWS",
            "                           [the model's own, as trained]",
            "  --window-stride N        WINDOWS: word pieces between window starts [the model's own]");

    /**
     * The model (of any task) with {@code --long-text} / {@code --window-stride} applied, or as it is without them.
     * Closes {@code model} when it returns a copy.
     * @param a the options.
     * @param model the loaded model.
     * @param <M> the model type.
     * @return the model to use; close it after use.
     * @throws UsageException when a value is invalid for this model.
     */
    static <M extends ReadingOptions<M>> M withLongText(Args a, M model) {
        if (!a.has("--long-text") && !a.has("--window-stride")) {
            return model;
        }
        try (model) {
            LongText mode = a.enumValue("--long-text", LongText.class, model.getLongText());
            int stride = a.intValue("--window-stride", model.getWindowStride());
            return model.withLongText(mode, stride);
        } catch (IllegalArgumentException e) {
            throw a.error("Invalid --long-text/--window-stride: " + e.getMessage());
        }
    }

    /** The ensemble seed from {@code --ensemble-seed}, defaulting to the model's own. */
    static long ensembleSeed(Args a, LoraDropModel model) {
        return a.longValue("--ensemble-seed", model.getEnsembleSeed());
    }

    /**
     * Checks that the pair option matches the model: pair models need a second text, single-text models refuse one.
     * @param a the options.
     * @param model the model.
     * @param option the option that gives the second text.
     */
    static void checkPairOption(Args a, LoraDropModel model, String option) {
        if (model.getPairKey().isPresent() && !a.has(option)) {
            throw a.error("This model classifies sentence pairs: give the second text with " + option);
        }
        if (model.getPairKey().isEmpty() && a.has(option)) {
            throw a.error("This model classifies single texts, so " + option + " cannot be used");
        }
    }
}
