/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.AdapterLabels;
import ai.loradrop.interop.HeadKeyStyle;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.tribuo.AbstractLoraDropModel;
import ai.loradrop.tribuo.LoraDropModel;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code loradrop export}: writes a saved model (classification, multi-label or regression) as a standalone merged
 * ONNX model ({@code --onnx}) and/or as a PEFT LoRA adapter folder ({@code --peft}).
 */
final class ExportCommand {
    private ExportCommand() {}

    static final String USAGE = "loradrop export --model M [--onnx F.onnx] [--peft DIR] [--head-keys peft|bare]"
            + " [--key-prefix P] [--base-model-name NAME]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Exports a model written by loradrop train (give --onnx, --peft or both).",
            "",
            "  --model M                the model file",
            "  --onnx F                 a standalone ONNX model: LoRA merged into the encoder, pooling and head",
            "                           appended; inputs input_ids, attention_mask (token_type_ids if the encoder",
            "                           takes them), outputs logits and probabilities [batch, classes] (softmax;",
            "                           multilabel: one sigmoid per label) or, for regression, predictions",
            "                           [batch, dimensions] in the training targets' units; metadata",
            "                           TRIBUO_PROVENANCE (the model's provenance, serialized as Tribuo's ONNX exports",
            "                           do), loradrop.problem_type and loradrop.labels. Outputs are the model's for",
            "                           ensemble size 1 (a temperature is folded into the head)",
            "  --peft DIR               a PEFT adapter folder: adapter_model.safetensors, adapter_config.json,",
            "                           loradrop_config.json (with problem_type; the multilabel threshold or the",
            "                           regression target mean and std) and loradrop_labels.json, written as a whole",
            "                           (created if missing; an existing folder keeps its other files)",
            "  --head-keys S            names of the head tensors: peft (base_model.model.classifier.*, what PEFT",
            "                           saves and loads) or bare (classifier.*) [peft]",
            "  --key-prefix P           prefix of every LoRA module path, ending in '.', e.g. 'bert.' for",
            "                           BertForSequenceClassification [none: bare BertModel layout]",
            "  --base-model-name NAME   base_model_name_or_path in adapter_config.json, e.g.",
            "                           sentence-transformers/all-MiniLM-L6-v2 [null]");

    static int run(List<String> args, PrintStream out) throws Exception {
        Args a = Args.parse(args, List.of(), List.of("--model", "--onnx", "--peft", "--head-keys", "--key-prefix",
                "--base-model-name"), USAGE);
        Path modelFile = a.existingFile("--model");
        if (!a.has("--onnx") && !a.has("--peft")) {
            throw a.error("Give --onnx F.onnx, --peft DIR or both");
        }
        Path onnx = a.optionalOutputFile("--onnx");
        Path peft = null;
        AdapterExportOptions options = AdapterExportOptions.defaults();
        if (a.has("--peft")) {
            peft = Path.of(a.require("--peft"));
            Path parent = peft.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw a.error("The folder that should hold the adapter folder given to --peft does not exist: " + parent);
            }
            if (Files.exists(peft) && !Files.isDirectory(peft)) {
                throw a.error("--peft needs a folder, but " + peft + " is a file");
            }
            options = options.withHeadKeys(a.enumValue("--head-keys", HeadKeyStyle.class, HeadKeyStyle.PEFT))
                    .withBaseModel(a.value("--base-model-name", null));
            try {
                options = options.withKeyPrefix(a.value("--key-prefix", ""));
            } catch (IllegalArgumentException e) {
                throw a.error("--key-prefix: " + e.getMessage());
            }
        } else {
            for (String o : List.of("--head-keys", "--key-prefix", "--base-model-name")) {
                if (a.has(o)) {
                    throw a.error(o + " describes the PEFT adapter: it goes with --peft");
                }
            }
        }
        FileRoles roles = FileRoles.of(a).input("--model", modelFile).output("--onnx", onnx);
        if (peft != null) {
            // The folder is written whole (created or replaced beside itself), so its parent must take new files.
            roles.output("--peft", peft);
            if (Files.isDirectory(peft)) {
                for (Path f : AdapterModel.adapterFiles(peft)) {
                    roles.output("--peft", f);
                }
            }
        }
        roles.check();
        Task task = OutputTasks.taskOf(modelFile);
        if (task != Task.CLASSIFICATION) {
            exportOutputs(task, modelFile, onnx, peft, options, out);
            return 0;
        }
        try (LoraDropModel model = SavedModel.load(modelFile)) {
            List<String> labels = AdapterModel.labels(model);
            if (onnx != null) {
                model.exportOnnx(onnx);
                out.println("Merged ONNX classifier written to " + onnx + " (" + labels.size() + " classes " + labels
                        + "; inputs " + inputs(model.getEncoder()) + "; outputs logits, probabilities; metadata "
                        + MergedOnnxExport.TRIBUO_PROVENANCE + ", " + MergedOnnxExport.META_LABELS + ")");
                if (model.getEnsembleSize() > 1) {
                    out.println("Note: the model's ensemble (K=" + model.getEnsembleSize() + ") cannot be merged; the ONNX model"
                            + " is its deterministic form (K=1)");
                }
                if (model.getTemperature() != 1.0) {
                    out.printf(Locale.ROOT, "Note: temperature %.4f is folded into the head; 'logits' are divided by it%n",
                            model.getTemperature());
                }
            }
            if (peft != null) {
                model.exportAdapter(peft, options);
                out.println("PEFT adapter written to " + peft + " (" + String.join(", ", PeftAdapter.WEIGHTS_FILE,
                        PeftAdapter.CONFIG_FILE, PeftAdapter.SIDECAR_FILE, AdapterLabels.FILE_NAME) + "; head keys "
                        + options.headKeys().weightKey() + (options.keyPrefix().isEmpty() ? "" : ", key prefix '" + options.keyPrefix() + "'")
                        + ")");
                if (model.getTemperature() != 1.0) {
                    out.printf(Locale.ROOT, "Note: temperature %.4f is not part of a PEFT adapter%n", model.getTemperature());
                }
            }
        }
        return 0;
    }

    /** The merged model's input names. */
    private static String inputs(ai.loradrop.onnx.EncoderModel encoder) {
        return encoder.hasTokenTypes() ? "input_ids, attention_mask, token_type_ids" : "input_ids, attention_mask";
    }

    /** The exports of a multi-label or regression model. */
    private static void exportOutputs(Task task, Path modelFile, Path onnx, Path peft, AdapterExportOptions options,
                                      PrintStream out) throws java.io.IOException {
        try (AbstractLoraDropModel<?> model = OutputTasks.load(modelFile, task)) {
            List<String> names = model.getOutputNames();
            String what = task.problemType().hfName() + ", " + names.size() + (task == Task.REGRESSION ? " dimensions " : " labels ")
                    + names;
            if (onnx != null) {
                model.exportOnnx(onnx);
                String outputs = task == Task.REGRESSION
                        ? MergedOnnxExport.PREDICTIONS + " (in the training targets' units: their standardisation is folded into the head)"
                        : "logits, probabilities (one sigmoid per label)";
                out.println("Merged ONNX model written to " + onnx + " (" + what + "; inputs " + inputs(model.getEncoder())
                        + "; outputs " + outputs + "; metadata " + MergedOnnxExport.TRIBUO_PROVENANCE + ", "
                        + MergedOnnxExport.META_PROBLEM_TYPE + ", " + MergedOnnxExport.META_LABELS + ")");
                if (model.getEnsembleSize() > 1) {
                    out.println("Note: the model's ensemble (K=" + model.getEnsembleSize() + ") cannot be merged; the ONNX model"
                            + " is its deterministic form (K=1)");
                }
            }
            if (peft != null) {
                model.exportAdapter(peft, options);
                out.println("PEFT adapter written to " + peft + " (" + what + "; " + String.join(", ", PeftAdapter.WEIGHTS_FILE,
                        PeftAdapter.CONFIG_FILE, PeftAdapter.SIDECAR_FILE, AdapterLabels.FILE_NAME) + "; head keys "
                        + options.headKeys().weightKey() + (options.keyPrefix().isEmpty() ? "" : ", key prefix '" + options.keyPrefix() + "'")
                        + ")");
                if (task == Task.REGRESSION) {
                    out.println("Note: the adapter's head predicts standardised targets; " + PeftAdapter.SIDECAR_FILE
                            + " records the mean and std that give the targets' units (y = mean + std * z)");
                }
            }
        }
    }
}
