/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.lora.DropoutMode;
import ai.loradrop.tribuo.LoraDropTrainer;
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
 * {@code loradrop train}: fine-tunes a base encoder on a labelled file, saves the model, and with {@code --test}
 * evaluates it (accuracy, macro F1, calibration; deterministic and ensemble) into a JSON report and a diagram.
 */
final class TrainCommand {
    private TrainCommand() {}

    static final String USAGE = "loradrop train [--task T] --train F [--dev F] [--test F] [column options] [--encoder NAME | --base-model DIR_OR_ONNX"
            + " [--tokenizer F]] [--peft DIR] [hyperparameters] [--ensemble K] [--ensemble-seed S] [--temperature-scaling]"
            + " --output model.tribuo [--report r.json] [--diagram PREFIX]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Fine-tunes a BERT-family ONNX encoder with LoRA (and LoRA dropout) for text classification, multi-label",
            "tagging or regression.",
            "",
            Task.HELP,
            "",
            "Files:",
            "  --train F                training data",
            "  --dev F                  validation data: picks the epoch with the lowest loss, drives --patience,",
            "                           and fits the temperature with --temperature-scaling",
            "  --test F                 test data: evaluation printed and written to --report and --diagram",
            BaseModelFiles.ENCODER_HELP,
            "  --base-model DIR|ONNX    or any export: a folder with model.onnx (or onnx/model.onnx) and",
            "                           tokenizer.json, or an .onnx file",
            "  --tokenizer F            tokenizer.json or vocab.txt [found beside the encoder]",
            "  --output F               the model file (Tribuo protobuf), written atomically",
            "  --report F               JSON report: metrics, reliability bins, timing, settings, provenance",
            "  --diagram PREFIX         reliability diagram PREFIX.png and PREFIX.svg (needs --test)",
            "",
            DataColumns.HELP,
            "",
            TrainerFlags.HELP,
            "",
            "Calibration:",
            "  --temperature-scaling    calibrate on --dev (the deterministic model and the ensemble) and save the",
            "                           calibration with the model: a temperature (multilabel: one shared by all",
            "                           labels), or for regression a variance scale (the deterministic model: a",
            "                           constant variance)");

    static final List<String> FLAGS = concat(new ArrayList<>(TrainerFlags.FLAGS.keySet()), List.of("--temperature-scaling"));
    static final List<String> OPTIONS = concat(concat(new ArrayList<>(List.of(Task.OPTION, "--train", "--dev", "--test", "--encoder", "--base-model",
            "--tokenizer", "--output", "--report", "--diagram")), DataColumns.OPTIONS),
            new ArrayList<>(TrainerFlags.OPTIONS.keySet()));

    static int run(List<String> args, PrintStream out) throws Exception {
        Args a = Args.parse(args, FLAGS, OPTIONS, USAGE);
        Path trainFile = a.existingFile("--train");
        Path devFile = a.optionalExistingFile("--dev");
        Path testFile = a.optionalExistingFile("--test");
        Path output = a.outputFile("--output");
        Path report = a.optionalOutputFile("--report");
        EvaluationReport.checkDiagramPrefix(a);
        if (a.has("--diagram") && testFile == null) {
            throw a.error("--diagram draws the reliability on the test set: give --test");
        }
        for (Path f : new Path[]{trainFile, devFile, testFile}) {
            DataColumns.checkFormat(a, f);
        }
        boolean temperatureScaling = a.flag("--temperature-scaling");
        if (temperatureScaling && devFile == null) {
            throw a.error("--temperature-scaling fits the temperature on the dev set: give --dev");
        }
        Task task = Task.of(a);
        if (task != Task.CLASSIFICATION && a.has("--diagram")) {
            throw a.error("--diagram applies to " + Task.OPTION + " classification (the multi-label and regression"
                    + " reports give their calibration figures in the JSON)");
        }
        DataColumns columns = DataColumns.of(a);
        String pairKey = columns.pair() == null ? null : TextExamples.DEFAULT_PAIR_KEY;
        BaseModelFiles base = BaseModelFiles.resolve(a);
        FileRoles roles = FileRoles.of(a).input("--train", trainFile).input("--dev", devFile).input("--test", testFile)
                .input(base.encoder() != null ? "--encoder" : "--base-model", base.onnx())
                .input(a.has("--tokenizer") ? "--tokenizer" : base.encoder() != null ? "--encoder" : "--base-model", base.tokenizer());
        if (a.has("--peft")) {
            for (Path f : AdapterModel.adapterFiles(AdapterModel.adapterDir(a))) {
                if (java.nio.file.Files.exists(f)) {
                    roles.input("--peft", f);
                }
            }
        }
        roles.output("--output", output).output("--report", report).diagram("--diagram", a.value("--diagram", null)).check();
        // The report's settings (the task's trainer adds itself below).
        Map<String, Object> settings = new LinkedHashMap<>();
        if (task != Task.CLASSIFICATION) {
            settings.put("task", task.option());
        }
        settings.put("train", trainFile.toString());
        settings.put("dev", devFile == null ? null : devFile.toString());
        settings.put("test", testFile == null ? null : testFile.toString());
        settings.put("encoder", base.encoder() == null ? null : base.encoder().encoderName());
        settings.put("base_model", base.onnx().toString());
        settings.put("tokenizer", base.tokenizer().toString());
        settings.put("columns", columns.toJson());
        settings.put("hyperparameters_given", TrainerFlags.given(a));
        settings.put("temperature_scaling", temperatureScaling);
        if (task != Task.CLASSIFICATION) {
            return OutputTasks.train(a, task, base, columns, pairKey,
                    new OutputTasks.TrainFiles(trainFile, devFile, testFile, output, report, temperatureScaling), settings, out);
        }
        LoraDropTrainer trainer = TrainerFlags.trainer(a, base, pairKey);
        int k = (Integer) TrainerFlags.value(a, "ensembleSize");
        long ensembleSeed = (Long) TrainerFlags.value(a, "ensembleSeed");

        String pk = pairKey == null ? TextExamples.DEFAULT_PAIR_KEY : pairKey;
        MutableDataset<Label> train = columns.read(trainFile, TextExamples.DEFAULT_TEXT_KEY, pk);
        MutableDataset<Label> dev = devFile == null ? null : columns.read(devFile, TextExamples.DEFAULT_TEXT_KEY, pk);
        MutableDataset<Label> test = testFile == null ? null : columns.read(testFile, TextExamples.DEFAULT_TEXT_KEY, pk);
        checkLabelsKnown(train, dev, "--dev", devFile);
        checkLabelsKnown(train, test, "--test", testFile);
        settings.put("trainer", trainer.toString());
        settings.put("ensemble_size", k);
        settings.put("ensemble_seed", ensembleSeed);

        Path checkpointDir = a.has("--checkpoint-dir") ? Path.of(a.require("--checkpoint-dir")) : null;
        Thread onSignal = new Thread(() -> System.err.println(interruptedMessage(checkpointDir)), "loradrop-train-interrupted");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            new TrainingRun(trainer, train, dev, test, testFile == null ? null : testFile.getFileName().toString(), k,
                    ensembleSeed, temperatureScaling, output, report, a.value("--diagram", null), settings).run(out);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already stopping: the hook runs and says where the checkpoint is.
            }
        }
        return 0;
    }

    /**
     * What a run stopped by a signal (SIGTERM, Ctrl-C) says on its way out: where the last checkpoint is and how to
     * resume from it, or that nothing can be resumed.
     * @param checkpointDir the {@code --checkpoint-dir}, or null.
     * @return the message.
     */
    static String interruptedMessage(Path checkpointDir) {
        if (checkpointDir == null) {
            return "loradrop train: stopped before the model was written; nothing can be resumed (give --checkpoint-dir"
                    + " to write checkpoints that --resume continues from)";
        }
        Path last = null;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(checkpointDir)) {
            last = s.filter(p -> p.getFileName().toString().equals(ai.loradrop.train.Checkpoint.FILE_NAME))
                    .max(java.util.Comparator.comparing(TrainCommand::modified)).orElse(null);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // No folder yet: no checkpoint.
        }
        if (last == null) {
            return "loradrop train: stopped before the model was written and before the first checkpoint in "
                    + checkpointDir + "; nothing can be resumed yet";
        }
        return "loradrop train: stopped before the model was written; the last checkpoint is " + last.toAbsolutePath()
                + " (written " + modified(last) + "); run the same command with --resume to continue from it";
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return java.nio.file.Files.getLastModifiedTime(p);
        } catch (java.io.IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    /**
     * Refuses, before training, held-out data with a label the training data lacks: the model could never predict
     * it, and the evaluation would fail only after the whole training.
     */
    static <T extends org.tribuo.Output<T>> void checkLabelsKnown(org.tribuo.Dataset<T> train, org.tribuo.Dataset<T> other,
                                                                   String option, Path file) {
        if (other == null) {
            return;
        }
        java.util.Set<String> known = new java.util.TreeSet<>();
        train.getOutputInfo().getDomain().forEach(l -> known.add(l.getSerializableForm(false)));
        java.util.Set<String> unseen = new java.util.TreeSet<>();
        other.getOutputInfo().getDomain().forEach(l -> {
            if (!known.contains(l.getSerializableForm(false))) {
                unseen.add(l.getSerializableForm(false));
            }
        });
        if (!unseen.isEmpty()) {
            throw new IllegalArgumentException("The " + option + " file " + file + " has labels the training data lacks: "
                    + unseen + " (training labels: " + known + "); the model could never predict them");
        }
    }


    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
