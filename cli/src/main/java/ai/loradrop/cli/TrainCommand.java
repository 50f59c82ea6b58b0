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

    static final String USAGE = "loradrop train --train F [--dev F] [--test F] [column options] [--encoder NAME | --base-model DIR_OR_ONNX"
            + " [--tokenizer F]] [--peft DIR] [hyperparameters] [--ensemble K] [--ensemble-seed S] [--temperature-scaling]"
            + " --output model.tribuo [--report r.json] [--diagram PREFIX]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Fine-tunes a BERT-family ONNX encoder with LoRA (and LoRA dropout) for text classification.",
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
            "  --peft DIR               start from this PEFT LoRA adapter (loradrop export --peft, or PEFT): its LoRA",
            "                           matrices, and its head when the class count matches (rows matched by label",
            "                           name when it has loradrop_labels.json); --rank and --target-modules must match",
            "  --output F               the model file (Tribuo protobuf), written atomically",
            "  --report F               JSON report: metrics, reliability bins, timing, settings, provenance",
            "  --diagram PREFIX         reliability diagram PREFIX.png and PREFIX.svg (needs --test)",
            "",
            DataColumns.HELP,
            "",
            TrainerFlags.HELP,
            "",
            "Test-time ensemble and calibration:",
            "  --ensemble K             average K dropout-mask members at prediction time, saved with the model [1]",
            "  --ensemble-seed S        seed of the members' masks [1]",
            "  --temperature-scaling    fit a temperature on --dev (for the deterministic model and the ensemble)");

    static final List<String> FLAGS = concat(new ArrayList<>(TrainerFlags.FLAGS.keySet()), List.of("--temperature-scaling"));
    static final List<String> OPTIONS = concat(concat(new ArrayList<>(List.of("--train", "--dev", "--test", "--encoder", "--base-model",
            "--tokenizer", "--ensemble", "--ensemble-seed", "--output", "--report", "--diagram")), DataColumns.OPTIONS),
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
        int k = a.intValue("--ensemble", 1);
        long ensembleSeed = a.longValue("--ensemble-seed", 1L);
        if (k < 1) {
            throw a.error("--ensemble must be at least 1, got " + k);
        }
        DropoutMode mode = a.enumValue("--dropout-mode", DropoutMode.class, DropoutMode.INPUT);
        if (k > 1 && (mode == DropoutMode.NONE || a.doubleValue("--dropout", 0.1) == 0)) {
            throw a.error("--ensemble " + k + " averages LoRA dropout masks, so it needs --dropout-mode INPUT or SPARSE"
                    + " and --dropout > 0");
        }
        boolean temperatureScaling = a.flag("--temperature-scaling");
        if (temperatureScaling && devFile == null) {
            throw a.error("--temperature-scaling fits the temperature on the dev set: give --dev");
        }
        DataColumns columns = DataColumns.of(a);
        String pairKey = columns.pair() == null ? null : TextExamples.DEFAULT_PAIR_KEY;
        BaseModelFiles base = BaseModelFiles.resolve(a);
        LoraDropTrainer trainer = TrainerFlags.trainer(a, base, pairKey);

        String pk = pairKey == null ? TextExamples.DEFAULT_PAIR_KEY : pairKey;
        MutableDataset<Label> train = columns.read(trainFile, TextExamples.DEFAULT_TEXT_KEY, pk);
        MutableDataset<Label> dev = devFile == null ? null : columns.read(devFile, TextExamples.DEFAULT_TEXT_KEY, pk);
        MutableDataset<Label> test = testFile == null ? null : columns.read(testFile, TextExamples.DEFAULT_TEXT_KEY, pk);

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("train", trainFile.toString());
        settings.put("dev", devFile == null ? null : devFile.toString());
        settings.put("test", testFile == null ? null : testFile.toString());
        settings.put("encoder", base.encoder() == null ? null : base.encoder().encoderName());
        settings.put("base_model", base.onnx().toString());
        settings.put("tokenizer", base.tokenizer().toString());
        settings.put("columns", columns.toJson());
        settings.put("hyperparameters_given", TrainerFlags.given(a));
        settings.put("trainer", trainer.toString());
        settings.put("ensemble_size", k);
        settings.put("ensemble_seed", ensembleSeed);
        settings.put("temperature_scaling", temperatureScaling);

        new TrainingRun(trainer, train, dev, test, testFile == null ? null : testFile.getFileName().toString(), k,
                ensembleSeed, temperatureScaling, output, report, a.value("--diagram", null), settings).run(out);
        return 0;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
