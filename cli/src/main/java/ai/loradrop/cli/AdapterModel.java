/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.head.Pooling;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.tribuo.AdapterImportOptions;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropMultiLabelModel;
import ai.loradrop.tribuo.LoraDropRegressionModel;
import ai.loradrop.tribuo.data.TextExamples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The model of {@code evaluate} and {@code predict}: a saved model ({@code --model}) or a PEFT adapter folder
 * ({@code --peft}) on a base encoder ({@code --encoder}, or {@code --base-model} and {@code --tokenizer};
 * all-MiniLM-L6-v2 by default), with {@code --labels}, {@code --max-length} and {@code --pooling} for the adapter.
 */
final class AdapterModel {
    private AdapterModel() {}

    /** The options of the adapter form. */
    static final List<String> OPTIONS = List.of("--peft", "--encoder", "--base-model", "--tokenizer", "--labels", "--max-length",
            "--pooling", Task.OPTION, "--threshold");

    /** Help lines of the adapter form. */
    static final String HELP = String.join("\n",
            "Instead of --model, a PEFT LoRA adapter folder (written by loradrop export --peft or by PEFT):",
            "  --peft DIR               adapter_model.safetensors + adapter_config.json (+ LoRA-Drop's files)",
            BaseModelFiles.ENCODER_HELP.replace("a named encoder", "the encoder the adapter was trained on:"),
            "  --base-model DIR|ONNX    or the export it was trained on (a folder or an .onnx file); with --model,",
            "                           the new place of a model's referenced (not embedded) encoder",
            "  --tokenizer F            tokenizer.json or vocab.txt [found beside the encoder]",
            "  --task T                 " + Task.choices() + ": what the adapter's head predicts [as",
            "                           loradrop_config.json records (problem_type), else classification]",
            "  --labels a,b,c           labels (or regression dimensions) in head-row order [loradrop_labels.json,",
            "                           else 0,1,...]",
            "  --threshold P            multilabel: decision threshold in (0, 1) [as loradrop_config.json records,",
            "                           else the trainer's default]",
            "  --max-length N           tokens per example [as loradrop_config.json records, else the training default]",
            "  --pooling P              MEAN | FIRST_TOKEN, for adapters without loradrop_config.json",
            "                           [the named encoder's, else MEAN]");

    /**
     * Checks that exactly one of {@code --model} and {@code --peft} is given, and the adapter options only with
     * {@code --peft}.
     * @param a the options.
     * @throws UsageException otherwise.
     */
    static void checkSource(Args a) {
        if (a.has("--model") == a.has("--peft")) {
            throw a.error("Give either --model M or --peft DIR");
        }
        if (a.has("--model")) {
            for (String o : OPTIONS) {
                if (a.has(o) && !o.equals("--base-model")) {
                    throw a.error(o + " goes with --peft; a saved model has its own base model, labels and settings");
                }
            }
        }
    }

    /**
     * The adapter folder of {@code --peft}, checked by the library's own folder check ({@link PeftAdapter#checkFolder}).
     * @param a the options.
     * @return the folder.
     * @throws UsageException with the library's message when the folder or a file is missing.
     */
    static Path adapterDir(Args a) {
        Path dir = Path.of(a.require("--peft"));
        try {
            PeftAdapter.checkFolder(dir);
        } catch (IOException e) {
            throw a.error("--peft: " + e.getMessage());
        }
        return dir;
    }

    /**
     * Loads the model of {@code --model} or {@code --peft}.
     * @param a the options.
     * @param pairOption the option that gives a second text: with {@code --peft}, its presence makes the model a
     *                   sentence-pair model when the adapter does not record whether it is one.
     * @return the model; close it after use.
     * @throws UsageException for missing files and malformed options.
     * @throws IOException when the model or adapter cannot be read or does not fit the encoder.
     */
    static LoraDropModel load(Args a, String pairOption) throws IOException {
        checkSource(a);
        if (a.has("--model")) {
            return SavedModel.load(a.existingFile("--model"), a.has("--base-model") ? BaseModelFiles.resolveOnnx(a) : null);
        }
        Imported i = imported(a, pairOption);
        return LoraDropModel.fromAdapter(i.base().onnx(), i.base().tokenizer(), i.dir(), a.list("--labels", null),
                i.maxLength(), i.options());
    }

    /**
     * The task of the model of {@code --model} (its file says) or {@code --peft}: {@code --task}, else the problem
     * type the adapter's sidecar records, else classification.
     * @param a the options.
     * @return the task.
     * @throws UsageException when {@code --task} contradicts the adapter's recorded problem type, or
     *                        {@code --threshold} is given for another task than multilabel.
     * @throws IOException when the model file or the adapter's sidecar cannot be read.
     */
    static Task task(Args a) throws IOException {
        checkSource(a);
        if (a.has("--model")) {
            return OutputTasks.taskOf(a.existingFile("--model"));
        }
        Path dir = adapterDir(a);
        java.util.Optional<ai.loradrop.interop.ProblemType> recorded = PeftAdapter.recordedProblemType(dir);
        Task task;
        if (a.has(Task.OPTION)) {
            task = Task.of(a);
            if (recorded.isPresent() && recorded.get() != task.problemType()) {
                throw a.error(Task.OPTION + " " + task.option() + " does not fit the adapter in " + dir + ": its "
                        + PeftAdapter.SIDECAR_FILE + " records problem_type '" + recorded.get().hfName() + "' ("
                        + Task.OPTION + " " + Task.of(recorded.get()).option() + ")");
            }
        } else {
            task = recorded.map(Task::of).orElse(Task.CLASSIFICATION);
        }
        if (a.has("--threshold") && task != Task.MULTILABEL) {
            throw a.error("--threshold is the decision threshold of a multilabel adapter; this one is " + task.option());
        }
        return task;
    }

    /**
     * Loads the multi-label or regression model of {@code --peft}.
     * @param a the options.
     * @param task the task ({@link #task}), not classification.
     * @param pairOption the option that gives a second text (see {@link #load}).
     * @return the model; close it after use.
     * @throws UsageException for missing files and malformed options.
     * @throws IOException when the adapter cannot be read or does not fit the encoder.
     */
    static ai.loradrop.tribuo.AbstractLoraDropModel<?> loadOutputs(Args a, Task task, String pairOption) throws IOException {
        Imported i = imported(a, pairOption);
        List<String> names = a.list("--labels", null);
        return switch (task) {
            case MULTILABEL -> LoraDropMultiLabelModel.fromAdapter(i.base().onnx(), i.base().tokenizer(), i.dir(), names,
                    i.maxLength(), i.options());
            case REGRESSION -> LoraDropRegressionModel.fromAdapter(i.base().onnx(), i.base().tokenizer(), i.dir(), names,
                    i.maxLength(), i.options());
            case CLASSIFICATION -> throw new IllegalArgumentException("Classification adapters load through AdapterModel.load");
        };
    }

    /** The files and import settings of {@code --peft}. */
    private record Imported(Path dir, BaseModelFiles base, int maxLength, AdapterImportOptions options) {}

    private static Imported imported(Args a, String pairOption) throws IOException {
        Path dir = adapterDir(a);
        BaseModelFiles base = BaseModelFiles.resolve(a);
        // 0: the maximum length the adapter records (LoRA-Drop's sidecar), else the training default.
        int maxLength = a.intValue("--max-length", 0);
        if (a.has("--max-length") && maxLength < 2) {
            throw a.error("--max-length must be at least 2, got " + maxLength);
        }
        AdapterImportOptions options = AdapterImportOptions.defaults()
                .withPooling(a.enumValue("--pooling", Pooling.class, base.defaultPooling()));
        if (a.has(pairOption)) {
            options = options.withPairKey(TextExamples.DEFAULT_PAIR_KEY);
        }
        if (a.has("--threshold")) {
            try {
                options = options.withThreshold(a.doubleValue("--threshold", Double.NaN));
            } catch (IllegalArgumentException e) {
                throw a.error("--threshold: " + e.getMessage());
            }
        }
        return new Imported(dir, base, maxLength, options);
    }

    /**
     * The files of an adapter folder: what {@code --peft} reads, and what {@code export --peft} writes.
     * @param dir the folder.
     * @return its weights, PEFT config, LoRA-Drop sidecar and labels files.
     */
    static List<Path> adapterFiles(Path dir) {
        return List.of(dir.resolve(PeftAdapter.WEIGHTS_FILE), dir.resolve(PeftAdapter.CONFIG_FILE),
                dir.resolve(PeftAdapter.SIDECAR_FILE), dir.resolve(ai.loradrop.interop.AdapterLabels.FILE_NAME));
    }

    /**
     * Registers the files the model of {@code --model} or {@code --peft} (with {@code --base-model},
     * {@code --tokenizer}) is read from, for the collision check.
     * @param a the options.
     * @param roles the command's files.
     * @throws IOException when the bundled encoder cannot be extracted.
     */
    static void inputs(Args a, FileRoles roles) throws IOException {
        if (a.has("--model")) {
            roles.input("--model", a.existingFile("--model"));
            if (a.has("--base-model")) {
                roles.input("--base-model", BaseModelFiles.resolveOnnx(a));
            }
            return;
        }
        for (Path f : adapterFiles(adapterDir(a))) {
            if (Files.exists(f)) {
                roles.input("--peft", f);
            }
        }
        if (a.has("--base-model")) {
            BaseModelFiles base = BaseModelFiles.resolve(a);
            roles.input("--base-model", base.onnx()).input(a.has("--tokenizer") ? "--tokenizer" : "--base-model", base.tokenizer());
        }
    }

    /** The model's labels in class-id order. */
    static List<String> labels(LoraDropModel model) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < model.getOutputIDInfo().size(); i++) {
            out.add(model.getOutputIDInfo().getOutput(i).getLabel());
        }
        return out;
    }

    /** What the report names as the model: the model file or the adapter folder. */
    static String source(Args a) {
        return Path.of(a.has("--model") ? a.require("--model") : a.require("--peft")).toAbsolutePath().toString();
    }
}
