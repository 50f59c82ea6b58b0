/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.data.TextExamples;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code loradrop evaluate}: accuracy, macro F1 and calibration of a saved model on a labelled file, for the
 * deterministic model and its test-time ensemble, printed and written to a JSON report and a diagram.
 */
final class EvaluateCommand {
    private EvaluateCommand() {}

    static final String USAGE = "loradrop evaluate (--model M [--base-model B] | --peft DIR [--encoder NAME | --base-model B [--tokenizer T]] [--labels a,b,c])"
            + " --data F [column options] [--ensemble K] [--ensemble-seed S] [--threads N] [--long-text M] [--window-stride N]"
            + " [--quantized-merge F] [--report r.json] [--diagram PREFIX]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Evaluates a saved model on labelled data: Tribuo's label evaluation and calibration (ECE, MCE, Brier,",
            "NLL, reliability bins) of the deterministic model and, for K > 1, of the ensemble.",
            "",
            "  --model M                the model file written by loradrop train (or use --peft, below)",
            "  --data F                 labelled data",
            "  --ensemble K             ensemble size to evaluate besides the deterministic model [the model's]",
            "  --ensemble-seed S        seed of the members' masks [the model's]",
            SavedModel.THREADS_HELP,
            "  --report F               JSON report",
            "  --diagram PREFIX         reliability diagram PREFIX.png and PREFIX.svg (classification models)",
            SavedModel.LONG_TEXT_HELP,
            SavedModel.QUANTIZED_MERGE_HELP,
            "",
            AdapterModel.HELP,
            "",
            DataColumns.HELP);

    static int run(List<String> args, PrintStream out) throws Exception {
        List<String> options = new ArrayList<>(List.of("--model", "--data", "--ensemble", "--ensemble-seed", "--threads", "--report", "--diagram",
                SavedModel.QUANTIZED_MERGE));
        options.addAll(SavedModel.LONG_TEXT_OPTIONS);
        options.addAll(DataColumns.OPTIONS);
        options.addAll(AdapterModel.OPTIONS);
        Args a = Args.parse(args, List.of(), options, USAGE);
        AdapterModel.checkSource(a);
        Path modelFile = a.has("--model") ? a.existingFile("--model") : null;
        Path adapterDir = a.has("--peft") ? AdapterModel.adapterDir(a) : null;
        Path dataFile = a.existingFile("--data");
        Path report = a.optionalOutputFile("--report");
        EvaluationReport.checkDiagramPrefix(a);
        DataColumns.checkFormat(a, dataFile);
        FileRoles roles = FileRoles.of(a).input("--data", dataFile);
        AdapterModel.inputs(a, roles);
        roles.output("--report", report).diagram("--diagram", a.value("--diagram", null)).check();
        DataColumns columns = DataColumns.of(a);
        Task task = AdapterModel.task(a);
        if (task != Task.CLASSIFICATION) {
            OutputTasks.checkOptions(a, task);
            try (var model = OutputTasks.withReadingOptions(a, modelFile != null ? OutputTasks.load(modelFile, task)
                    : AdapterModel.loadOutputs(a, task, "--pair-column"))) {
                int k = a.has("--ensemble") ? a.intValue("--ensemble", 1) : model.getEnsembleSize();
                long seed = a.has("--ensemble-seed") ? a.longValue("--ensemble-seed", 0) : model.getEnsembleSeed();
                MutableDataset<?> data = columns.read(task, dataFile, model.getTextKey(),
                        model.getPairKey().orElse(TextExamples.DEFAULT_PAIR_KEY));
                evaluateOutputs(task, model, k, seed, data, a, adapterDir, dataFile, columns, report, out);
            }
            return 0;
        }
        try (LoraDropModel model = SavedModel.withQuantizedMerge(a, SavedModel.withLongText(a,
                SavedModel.withThreads(a, AdapterModel.load(a, "--pair-column"))))) {
            SavedModel.checkPairOption(a, model, "--pair-column");
            int k = SavedModel.ensembleSize(a, model);
            long seed = SavedModel.ensembleSeed(a, model);
            MutableDataset<Label> data = columns.read(dataFile, model.getTextKey(),
                    model.getPairKey().orElse(TextExamples.DEFAULT_PAIR_KEY));
            try (LoraDropModel det = model.withEnsemble(1, seed);
                 LoraDropModel ens = k > 1 ? model.withEnsemble(k, seed) : null) {
                String what = dataFile.getFileName().toString();
                EvaluationReport evaluation = EvaluationReport.run(det, ens, data, what, out);
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("command", "evaluate");
                json.put(modelFile != null ? "model" : "adapter", AdapterModel.source(a));
                json.putAll(JsonReport.trainingStats(model.getProvenance()));
                json.putAll(evaluation.toJson());
                Map<String, Object> settings = new LinkedHashMap<>();
                settings.put("data", dataFile.toString());
                if (adapterDir != null) {
                    settings.put("peft", adapterDir.toString());
                    settings.put("labels", AdapterModel.labels(model));
                    settings.put("max_length", model.getMaxLength());
                }
                settings.put("columns", columns.toJson());
                settings.put("ensemble_size", k);
                settings.put("ensemble_seed", seed);
                settings.put("long_text", model.getLongText().name());
                settings.put("window_stride", model.getWindowStride());
                settings.put("quantized_merge", model.getQuantizedMerge().name());
                json.put("settings", settings);
                json.put("provenance", JsonReport.provenance(model.getProvenance()));
                if (report != null) {
                    JsonReport.write(report, json);
                    out.println("Report written to " + report);
                }
                if (a.has("--diagram")) {
                    List<Path> d = evaluation.writeDiagram(a.require("--diagram"), what);
                    out.println("Reliability diagram written to " + d.get(0) + " and " + d.get(1));
                }
            }
        }
        return 0;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void evaluateOutputs(Task task, ai.loradrop.tribuo.AbstractLoraDropModel<?> model, int k, long seed,
                                        MutableDataset<?> data, Args a, Path adapterDir, Path dataFile, DataColumns columns,
                                        Path report, PrintStream out) throws java.io.IOException {
        try (var det = OutputTasks.withEnsemble(model, 1, seed);
             var ens = k > 1 ? OutputTasks.withEnsemble(model, k, seed) : null) {
            // Without a dev set here, the deterministic model's constant variance is fitted on the evaluated data.
            Map<String, Object> sections = OutputTasks.evaluate(task, (ai.loradrop.tribuo.AbstractLoraDropModel) det,
                    (ai.loradrop.tribuo.AbstractLoraDropModel) ens, (org.tribuo.Dataset) data, "data", (org.tribuo.Dataset) data, out);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", "evaluate");
            json.put("task", task.option());
            json.put(adapterDir == null ? "model" : "adapter", AdapterModel.source(a));
            json.putAll(JsonReport.trainingStats(model.getProvenance()));
            json.put("test_examples", data.size());
            json.putAll(sections);
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("data", dataFile.toString());
            if (adapterDir != null) {
                settings.put("peft", adapterDir.toString());
                settings.put("labels", model.getOutputNames());
                settings.put("max_length", model.getMaxLength());
            }
            settings.put("columns", columns.toJson());
            settings.put("ensemble_size", k);
            settings.put("ensemble_seed", seed);
            settings.put("long_text", model.getLongText().name());
            settings.put("window_stride", model.getWindowStride());
            settings.put("quantized_merge", model.getQuantizedMerge().name());
            json.put("settings", settings);
            json.put("provenance", JsonReport.provenance(model.getProvenance()));
            if (report != null) {
                JsonReport.write(report, json);
                out.println("Report written to " + report);
            }
        }
    }
}
