/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropPrediction;
import ai.loradrop.tribuo.Uncertainty;
import ai.loradrop.tribuo.data.TextExamples;
import org.tribuo.Example;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@code loradrop predict}: classifies one text (printing the label, its probability, the top 3 and the
 * uncertainty) or a whole file (writing CSV or JSON lines).
 */
final class PredictCommand {
    private static final Logger logger = Logger.getLogger(PredictCommand.class.getName());

    private PredictCommand() {}

    static final String USAGE = "loradrop predict (--model M [--base-model B] | --peft DIR [--encoder NAME | --base-model B [--tokenizer T]] [--labels a,b,c])"
            + " (--text \"...\" [--pair \"...\"] | --input F --output F) [--ensemble K] [--ensemble-seed S] [--threads N]"
            + " [--long-text M] [--window-stride N] [--quantized-merge F]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Predicts texts with a saved model: classification (label, probability, uncertainty), multi-label (the",
            "labels at the model's threshold and every label's score) or regression (the value, and its variance for",
            "an ensemble); the model file says which.",
            "",
            "  --model M                the model file written by loradrop train (or use --peft, below)",
            "  --text T                 one text: prints label, probability, top 3 and uncertainty",
            "  --pair T                 the second text, for sentence-pair models",
            "  --input F                a CSV, TSV or JSON-lines file of texts (labels not needed)",
            "  --output F               predictions, .csv/.tsv or .jsonl by extension: id (if the input has one),",
            "                           label, probability, entropy, mutual information, agreement, and the",
            "                           probability of every label; written atomically",
            "  --text-column C          text column of --input [text]",
            "  --pair-column C          second-text column of --input, for sentence-pair models",
            "  --id-column C            id column of --input, copied to the output [id, if present]",
            "  --ensemble K             ensemble size [the model's]",
            "  --ensemble-seed S        seed of the members' masks [the model's]",
            SavedModel.THREADS_HELP,
            SavedModel.LONG_TEXT_HELP,
            SavedModel.QUANTIZED_MERGE_HELP,
            "",
            AdapterModel.HELP);

    static int run(List<String> args, PrintStream out) throws Exception {
        List<String> options = new ArrayList<>(List.of("--model", "--text", "--pair", "--input", "--output", "--ensemble",
                "--ensemble-seed", "--threads", "--text-column", "--pair-column", "--id-column", SavedModel.QUANTIZED_MERGE));
        options.addAll(SavedModel.LONG_TEXT_OPTIONS);
        options.addAll(AdapterModel.OPTIONS);
        Args a = Args.parse(args, List.of(), options, USAGE);
        AdapterModel.checkSource(a);
        if (a.has("--model")) {
            a.existingFile("--model");
        } else {
            AdapterModel.adapterDir(a);
        }
        boolean single = a.has("--text");
        if (single == a.has("--input")) {
            throw a.error("Give either --text or --input (with --output)");
        }
        Path input = null;
        Path output = null;
        if (single) {
            for (String o : List.of("--output", "--text-column", "--pair-column", "--id-column")) {
                if (a.has(o)) {
                    throw a.error(o + " goes with --input, not --text");
                }
            }
        } else {
            if (a.has("--pair")) {
                throw a.error("--pair goes with --text; for files use --pair-column");
            }
            input = a.existingFile("--input");
            output = a.outputFile("--output");
            DataColumns.checkFormat(a, input);
            if (UnlabelledTexts.Format.of(output) == null) {
                throw a.error("Cannot tell the output format of " + output + " from its extension (.csv, .tsv, .jsonl, .ndjson)");
            }
        }
        FileRoles roles = FileRoles.of(a).input("--input", input);
        AdapterModel.inputs(a, roles);
        roles.output("--output", output).check();
        Task task = AdapterModel.task(a);
        if (task != Task.CLASSIFICATION) {
            OutputTasks.checkOptions(a, task);
            try (var loaded = OutputTasks.withReadingOptions(a, a.has("--model") ? OutputTasks.load(a.existingFile("--model"), task)
                    : AdapterModel.loadOutputs(a, task, single ? "--pair" : "--pair-column"))) {
                int k = a.has("--ensemble") ? a.intValue("--ensemble", 1) : loaded.getEnsembleSize();
                long seed = a.has("--ensemble-seed") ? a.longValue("--ensemble-seed", 0) : loaded.getEnsembleSeed();
                try (var model = OutputTasks.withEnsemble(loaded, k, seed)) {
                    if (single) {
                        OutputTasks.printOne(model, a.require("--text"), a.value("--pair", null), out);
                    } else {
                        OutputTasks.predictFile(model, UnlabelledTexts.read(input,
                                a.value("--text-column", TextExamples.DEFAULT_TEXT_KEY), a.value("--pair-column", null),
                                a.value("--id-column", TextExamples.ID_KEY), a.has("--id-column")), output, out);
                    }
                }
            }
            return 0;
        }
        try (LoraDropModel loaded = SavedModel.withQuantizedMerge(a, SavedModel.withLongText(a,
                SavedModel.withThreads(a, AdapterModel.load(a, single ? "--pair" : "--pair-column"))))) {
            SavedModel.checkPairOption(a, loaded, single ? "--pair" : "--pair-column");
            int k = SavedModel.ensembleSize(a, loaded);
            long seed = SavedModel.ensembleSeed(a, loaded);
            try (LoraDropModel model = loaded.withEnsemble(k, seed)) {
                if (single) {
                    String pair = a.value("--pair", null);
                    LoraDropPrediction p = pair == null ? model.predict(a.require("--text")) : model.predict(a.require("--text"), pair);
                    printOne(out, p);
                } else {
                    predictFile(a, model, input, output, out);
                }
            }
        }
        return 0;
    }

    private static void predictFile(Args a, LoraDropModel model, Path input, Path output, PrintStream out) throws Exception {
        boolean idGiven = a.has("--id-column");
        List<UnlabelledTexts.Row> rows = UnlabelledTexts.read(input, a.value("--text-column", TextExamples.DEFAULT_TEXT_KEY),
                a.value("--pair-column", null), a.value("--id-column", TextExamples.ID_KEY), idGiven);
        List<Example<Label>> examples = new ArrayList<>(rows.size());
        for (UnlabelledTexts.Row r : rows) {
            Map<String, Object> metadata = new HashMap<>(4);
            metadata.put(model.getTextKey(), r.text());
            model.getPairKey().ifPresent(k -> metadata.put(k, r.pair()));
            examples.add(TextExamples.withMetadata(LabelFactory.UNKNOWN_LABEL, 1f, metadata));
        }
        long t0 = System.nanoTime();
        List<Prediction<Label>> predictions = model.predict(examples);
        double s = (System.nanoTime() - t0) / 1e9;
        logger.info(String.format(Locale.ROOT, "Predicted %d texts in %.1f s (K=%d)", rows.size(), s, model.getEnsembleSize()));
        PredictionWriter.write(output, model, rows, predictions);
        out.println("Wrote " + rows.size() + " predictions to " + output);
    }

    private static void printOne(PrintStream out, LoraDropPrediction p) {
        List<Label> ranked = new ArrayList<>(p.getOutputScores().values());
        ranked.sort(Comparator.comparingDouble(Label::getScore).reversed().thenComparing(Label::getLabel));
        out.printf(Locale.ROOT, "label: %s%n", p.getOutput().getLabel());
        out.printf(Locale.ROOT, "probability: %.4f%n", p.getOutput().getScore());
        StringBuilder top = new StringBuilder();
        for (int i = 0; i < Math.min(3, ranked.size()); i++) {
            top.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%s %.4f", ranked.get(i).getLabel(), ranked.get(i).getScore()));
        }
        out.println("top 3: " + top);
        Uncertainty u = p.getUncertainty();
        out.printf(Locale.ROOT, "uncertainty: entropy %.4f, mutual information %.4f, agreement %.3f (K=%d)%n",
                u.entropy(), u.mutualInformation(), u.agreement(), u.members());
    }
}
