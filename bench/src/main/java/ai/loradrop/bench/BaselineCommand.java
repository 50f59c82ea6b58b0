/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.calibration.MultiLabelCalibration;
import ai.loradrop.calibration.MultiLabelCalibrationReport;
import ai.loradrop.calibration.MultiLabelTemperatureScaling;
import ai.loradrop.calibration.RegressionCalibration;
import ai.loradrop.calibration.RegressionCalibrationReport;
import ai.loradrop.calibration.VarianceScaling;
import ai.loradrop.cli.Args;
import ai.loradrop.cli.CliCommand;
import ai.loradrop.io.AtomicFiles;
import ai.loradrop.tribuo.data.TextDataSource;
import ai.loradrop.tribuo.data.TextExamples;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.evaluation.MultiLabelEvaluation;
import org.tribuo.multilabel.evaluation.MultiLabelEvaluator;
import org.tribuo.multilabel.sgd.objectives.BinaryCrossEntropy;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.evaluation.RegressionEvaluation;
import org.tribuo.regression.evaluation.RegressionEvaluator;
import org.tribuo.regression.liblinear.LibLinearRegressionTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@code loradrop baseline}: the Tribuo baselines of the multi-label and regression tasks, bag of words
 * ({@link BagOfWords}) plus Tribuo's own linear trainers, on the same files LoRA-Drop trains on. Prints a table and
 * JSON with the metric keys of the LoRA-Drop report: multi-label {@code micro_f1}, {@code macro_f1}, {@code jaccard}
 * (Tribuo's {@code MultiLabelEvaluator}), {@code ece}, {@code brier} (pooled over labels, {@link MultiLabelCalibration});
 * regression {@code rmse}, {@code mae}, {@code r2} (Tribuo's {@code RegressionEvaluator}), {@code nll} and
 * {@code coverage} ({@link RegressionCalibration}).
 * <p>
 * A linear regression model has no variance of its own, so its Gaussian predictive variance is the constant residual
 * variance of the dev set ({@link VarianceScaling#fitConstant}; the training set when no dev file is given, which
 * flatters it). For multi-label the dev set also fits a shared temperature on the model's logits, reported as
 * {@code calibrated}.
 */
public final class BaselineCommand implements CliCommand {
    private static final Logger logger = Logger.getLogger(BaselineCommand.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Creates the command (for {@link java.util.ServiceLoader}). */
    public BaselineCommand() {}

    static final String USAGE = "loradrop baseline --task multilabel|regression --train FILE --test FILE [--dev FILE]"
            + " [--trainer sgd|liblinear] [--epochs N] [--learning-rate X] [--min-count N] [--seed N] [--json FILE]";

    /** Defaults, written once: epochs, AdaGrad learning rate, minimum document frequency, seed. */
    static final int DEFAULT_EPOCHS = 20;
    static final double DEFAULT_LEARNING_RATE = 0.1;
    static final int DEFAULT_MIN_COUNT = 2;
    static final long DEFAULT_SEED = 1;

    @Override
    public String name() {
        return "baseline";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public String help() {
        return "usage: " + USAGE + "\n\n"
                + "The Tribuo baseline of a multi-label or regression text task: bag of words (lower-cased words and\n"
                + "word bigrams in at least --min-count training texts, binary, unit length) and Tribuo's linear trainers:\n"
                + "multi-label LinearSGDTrainer with BinaryCrossEntropy; regression LinearSGDTrainer with SquaredLoss\n"
                + "(--trainer sgd) or LibLinearRegressionTrainer with Tribuo's defaults (--trainer liblinear). SGD uses\n"
                + "AdaGrad, --epochs [" + DEFAULT_EPOCHS + "], --learning-rate [" + DEFAULT_LEARNING_RATE + "], --seed ["
                + DEFAULT_SEED + "]; --min-count [" + DEFAULT_MIN_COUNT + "].\n"
                + "Data as for train: --text-column C [text], --label-column C [label] (multi-label: labels joined by\n"
                + "commas, or a JSON array in JSONL; regression: a number), --weight-column C, --id-column C.\n"
                + "--dev FILE fits the regression variance (the dev residual variance) and a multi-label temperature.\n"
                + "Prints a table; --json FILE also writes the report (keys as in the train report: micro_f1, macro_f1,\n"
                + "jaccard, ece, brier; rmse, mae, r2, nll, coverage).";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Args a = Args.parse(args, List.of(), List.of("--task", "--train", "--test", "--dev", "--trainer", "--epochs",
                "--learning-rate", "--min-count", "--seed", "--json", "--text-column", "--label-column",
                "--weight-column", "--id-column"), USAGE);
        String task = a.require("--task");
        if (!task.equals("multilabel") && !task.equals("regression")) {
            throw a.error("--task must be multilabel or regression (classification has its own baselines), got '" + task + "'");
        }
        String trainerName = a.value("--trainer", "sgd");
        if (!trainerName.equals("sgd") && !trainerName.equals("liblinear")) {
            throw a.error("--trainer must be sgd or liblinear, got '" + trainerName + "'");
        }
        if (trainerName.equals("liblinear") && task.equals("multilabel")) {
            throw a.error("--trainer liblinear is for regression; multi-label uses Tribuo's LinearSGDTrainer");
        }
        Path train = a.existingFile("--train");
        Path test = a.existingFile("--test");
        Path dev = a.optionalExistingFile("--dev");
        Path json = a.optionalOutputFile("--json");
        for (Path input : new Path[]{train, test, dev}) {
            if (json != null && input != null && Files.exists(json) && Files.isSameFile(json, input)) {
                throw a.error("--json " + json + " is one of the input files; choose another report file");
            }
        }
        int epochs = a.intValue("--epochs", DEFAULT_EPOCHS);
        double lr = a.doubleValue("--learning-rate", DEFAULT_LEARNING_RATE);
        int minCount = a.intValue("--min-count", DEFAULT_MIN_COUNT);
        long seed = a.longValue("--seed", DEFAULT_SEED);
        if (epochs < 1 || !(lr > 0) || minCount < 1) {
            throw a.error("--epochs and --min-count must be at least 1 and --learning-rate positive");
        }
        Columns columns = new Columns(a.value("--text-column", TextExamples.DEFAULT_TEXT_KEY),
                a.value("--label-column", "label"), a.value("--weight-column", null), a.value("--id-column", null));
        Settings settings = new Settings(task, trainerName, epochs, lr, minCount, seed);
        Map<String, Object> report = task.equals("multilabel")
                ? multiLabel(columns, train, dev, test, settings)
                : regression(columns, train, dev, test, settings);
        report.put("files", files(train, dev, test));
        printTable(out, report);
        if (json != null) {
            AtomicFiles.write(json, "baseline report", MAPPER.writeValueAsString(report).getBytes(StandardCharsets.UTF_8));
            out.println("wrote " + json);
        }
        return 0;
    }

    /** The data columns. */
    record Columns(String text, String label, String weight, String id) {
        TextDataSource.Builder builder(Path file) {
            return TextDataSource.builder(file).textColumn(text).labelColumn(label).weightColumn(weight).idColumn(id);
        }
    }

    /** The training settings. */
    record Settings(String task, String trainer, int epochs, double learningRate, int minCount, long seed) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("trainer", trainer);
            m.put("epochs", epochs);
            m.put("learning_rate", learningRate);
            m.put("min_count", minCount);
            m.put("seed", seed);
            return m;
        }
    }

    static Map<String, Object> multiLabel(Columns c, Path trainFile, Path devFile, Path testFile, Settings s) {
        MutableDataset<MultiLabel> trainText = new MutableDataset<>(c.builder(trainFile).buildMultiLabel());
        BagOfWords bow = BagOfWords.fit(trainText, TextExamples.DEFAULT_TEXT_KEY, s.minCount());
        MutableDataset<MultiLabel> train = bow.transform(trainText, TextExamples.DEFAULT_TEXT_KEY, "bag of words of " + trainFile);
        MutableDataset<MultiLabel> test = bow.transform(new MutableDataset<>(c.builder(testFile).buildMultiLabel()),
                TextExamples.DEFAULT_TEXT_KEY, "bag of words of " + testFile);
        Trainer<MultiLabel> trainer = new org.tribuo.multilabel.sgd.linear.LinearSGDTrainer(new BinaryCrossEntropy(),
                new AdaGrad(s.learningRate(), 0.1), s.epochs(), -1, 1, s.seed());
        long start = System.nanoTime();
        Model<MultiLabel> model = trainer.train(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Prediction<MultiLabel>> predictions = model.predict(test);
        MultiLabelEvaluation eval = new MultiLabelEvaluator().evaluate(model, predictions, test.getProvenance());
        MultiLabelCalibration.PredictionArrays arrays = MultiLabelCalibration.fromPredictions(predictions);
        MultiLabelCalibrationReport cal = arrays.report(ai.loradrop.calibration.CalibrationMetrics.DEFAULT_BINS,
                MultiLabelCalibration.DEFAULT_THRESHOLD);

        Map<String, Object> report = header(s, trainer.toString(), bow, train.size(), test.size(), seconds);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("micro_f1", eval.microAveragedF1());
        metrics.put("macro_f1", eval.macroAveragedF1());
        metrics.put("jaccard", eval.jaccardScore());
        metrics.put("ece", cal.ece());
        metrics.put("brier", cal.brier());
        metrics.put("mean_label_ece", cal.meanLabelEce());
        report.put("metrics", metrics);
        report.put("labels", arrays.labels().size());
        if (devFile != null) {
            MutableDataset<MultiLabel> dev = bow.transform(new MutableDataset<>(c.builder(devFile).buildMultiLabel()),
                    TextExamples.DEFAULT_TEXT_KEY, "bag of words of " + devFile);
            MultiLabelCalibration.PredictionArrays devArrays = MultiLabelCalibration.fromPredictions(model.predict(dev));
            if (!devArrays.labels().equals(arrays.labels())) {
                throw new IllegalStateException("dev and test predictions score different labels");
            }
            MultiLabelTemperatureScaling t = MultiLabelTemperatureScaling.fitShared(logits(devArrays.probs()), devArrays.targets());
            MultiLabelCalibrationReport scaled = MultiLabelCalibration.compute(t.apply(logits(arrays.probs())),
                    arrays.targets(), arrays.weights(), arrays.labels(), ai.loradrop.calibration.CalibrationMetrics.DEFAULT_BINS,
                    MultiLabelCalibration.DEFAULT_THRESHOLD);
            Map<String, Object> calibrated = new LinkedHashMap<>();
            calibrated.put("temperature", t.temperature(0));
            calibrated.put("ece", scaled.ece());
            calibrated.put("brier", scaled.brier());
            calibrated.put("mean_label_ece", scaled.meanLabelEce());
            report.put("calibrated", calibrated);
            report.put("examples_dev", dev.size());
        }
        return report;
    }

    /** Logits of probabilities, clamped to a millionth from 0 and 1. */
    static double[][] logits(double[][] probs) {
        double[][] z = new double[probs.length][];
        for (int i = 0; i < probs.length; i++) {
            z[i] = new double[probs[i].length];
            for (int l = 0; l < probs[i].length; l++) {
                double p = Math.min(1 - 1e-6, Math.max(1e-6, probs[i][l]));
                z[i][l] = Math.log(p / (1 - p));
            }
        }
        return z;
    }

    static Map<String, Object> regression(Columns c, Path trainFile, Path devFile, Path testFile, Settings s) {
        MutableDataset<Regressor> trainText = new MutableDataset<>(c.builder(trainFile).buildRegression());
        BagOfWords bow = BagOfWords.fit(trainText, TextExamples.DEFAULT_TEXT_KEY, s.minCount());
        MutableDataset<Regressor> train = bow.transform(trainText, TextExamples.DEFAULT_TEXT_KEY, "bag of words of " + trainFile);
        MutableDataset<Regressor> test = bow.transform(new MutableDataset<>(c.builder(testFile).buildRegression()),
                TextExamples.DEFAULT_TEXT_KEY, "bag of words of " + testFile);
        Trainer<Regressor> trainer = s.trainer().equals("liblinear") ? new LibLinearRegressionTrainer()
                : new org.tribuo.regression.sgd.linear.LinearSGDTrainer(new SquaredLoss(), new AdaGrad(s.learningRate(), 0.1),
                s.epochs(), -1, 1, s.seed());
        long start = System.nanoTime();
        Model<Regressor> model = trainer.train(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Prediction<Regressor>> predictions = model.predict(test);
        RegressionEvaluation eval = new RegressionEvaluator().evaluate(model, predictions, test.getProvenance());
        RegressionCalibration.PredictionArrays arrays = RegressionCalibration.fromPredictions(predictions);

        MutableDataset<Regressor> varianceData = devFile == null ? train
                : bow.transform(new MutableDataset<>(c.builder(devFile).buildRegression()), TextExamples.DEFAULT_TEXT_KEY,
                "bag of words of " + devFile);
        RegressionCalibration.PredictionArrays va = RegressionCalibration.fromPredictions(model.predict(varianceData));
        VarianceScaling variance = VarianceScaling.fitConstant(va.mean(), va.target(), va.weights());
        RegressionCalibrationReport cal = RegressionCalibration.compute(arrays.mean(),
                variance.constantVariances(arrays.mean().length), arrays.target(), arrays.weights());

        Map<String, Object> report = header(s, trainer.toString(), bow, train.size(), test.size(), seconds);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("rmse", eval.averageRMSE());
        metrics.put("mae", eval.averageMAE());
        metrics.put("r2", eval.averageR2());
        metrics.put("nll", cal.nll());
        metrics.put("coverage", cal.toMap().get("coverage"));
        report.put("metrics", metrics);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("fitted_on", devFile == null ? "train" : "dev");
        v.put("variance", variance.scales().length == 1 ? variance.scale(0) : variance.scales());
        report.put("variance", v);
        if (devFile != null) {
            report.put("examples_dev", varianceData.size());
        }
        // The calibration module's own point metrics agree with Tribuo's evaluator; a mismatch is a bug worth stopping for.
        if (Math.abs(cal.meanRmse() - eval.averageRMSE()) > 1e-9 * Math.max(1, eval.averageRMSE())) {
            logger.warning("RMSE differs between Tribuo (" + eval.averageRMSE() + ") and RegressionCalibration ("
                    + cal.meanRmse() + ")");
        }
        return report;
    }

    private static Map<String, Object> header(Settings s, String trainer, BagOfWords bow, int train, int test, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", s.task());
        m.put("model", "bag of words + " + trainer);
        m.put("settings", s.toMap());
        m.put("features", bow.size());
        m.put("examples_train", train);
        m.put("examples_test", test);
        m.put("train_seconds", Math.round(seconds * 100) / 100.0);
        return m;
    }

    private static Map<String, Object> files(Path train, Path dev, Path test) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("train", train.toString());
        m.put("dev", dev == null ? null : dev.toString());
        m.put("test", test.toString());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void printTable(PrintStream out, Map<String, Object> report) {
        out.println("baseline " + report.get("task") + ": " + report.get("model"));
        out.printf(Locale.ROOT, "%d bag-of-words features; %d train / %d test examples; trained in %.2f s%n",
                report.get("features"), report.get("examples_train"), report.get("examples_test"), report.get("train_seconds"));
        Map<String, Object> metrics = (Map<String, Object>) report.get("metrics");
        Map<String, Object> calibrated = (Map<String, Object>) report.get("calibrated");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"metric", "test", calibrated == null ? "" : "test, dev temperature"});
        for (Map.Entry<String, Object> e : metrics.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> cov) {
                for (Map.Entry<?, ?> level : cov.entrySet()) {
                    rows.add(new String[]{"coverage " + level.getKey(), format(level.getValue()), ""});
                }
            } else {
                Object scaled = calibrated == null ? null : calibrated.get(e.getKey());
                rows.add(new String[]{e.getKey(), format(e.getValue()), scaled == null ? "" : format(scaled)});
            }
        }
        if (calibrated != null) {
            rows.add(new String[]{"temperature", "1", format(calibrated.get("temperature"))});
        }
        Map<String, Object> variance = (Map<String, Object>) report.get("variance");
        if (variance != null) {
            rows.add(new String[]{"variance (from " + variance.get("fitted_on") + ")", format(variance.get("variance")), ""});
        }
        for (String[] r : rows) {
            out.printf(Locale.ROOT, "  %-24s %-10s %s%n", r[0], r[1], r[2]);
        }
    }

    private static String format(Object v) {
        return v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(v);
    }
}
