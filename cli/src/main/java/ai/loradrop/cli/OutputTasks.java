/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.calibration.OutputMetrics;
import ai.loradrop.calibration.RegressionCalibration;
import ai.loradrop.calibration.VarianceScaling;
import ai.loradrop.io.AtomicFiles;
import ai.loradrop.tribuo.AbstractLoraDropModel;
import ai.loradrop.tribuo.LoraDropMultiLabelModel;
import ai.loradrop.tribuo.LoraDropMultiLabelTrainer;
import ai.loradrop.tribuo.LoraDropRegressionModel;
import ai.loradrop.tribuo.LoraDropRegressionTrainer;
import ai.loradrop.tribuo.data.TextExamples;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.MultiLabelFactory;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * The multi-label and regression side of {@code train}, {@code evaluate} and {@code predict}: the same files, options
 * and report layout as classification ({@code deterministic} and {@code ensemble} sections), with the metrics of
 * {@link OutputMetrics}.
 * <ul>
 *     <li>multi-label: Tribuo's micro/macro F1 and Jaccard, pooled ECE and Brier over every (example, label) pair;</li>
 *     <li>regression: RMSE, MAE, R², the Gaussian NLL and the coverage of central 50/80/95% intervals. The
 *     deterministic model has no variance of its own: it is given a constant one, the weighted mean squared
 *     residual on the dev set (on the training set without one). The ensemble's variance is the members' variance;
 *     with a dev set it is also scaled by the factor fitted there ({@link VarianceScaling}), the regression
 *     counterpart of temperature scaling, and the report gives both.</li>
 * </ul>
 * With {@code --temperature-scaling} the calibration is fitted on the dev set for both variants and saved with the
 * model ({@link LoraDropMultiLabelModel#fitTemperatures}, a shared temperature; {@link LoraDropRegressionModel#fitVariance});
 * a saved calibration is what {@code evaluate} and {@code predict} then use.
 */
final class OutputTasks {
    private static final Logger logger = Logger.getLogger(OutputTasks.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Smallest variance handed to the Gaussian metrics (members that agree exactly). */
    private static final double MIN_VARIANCE = 1e-12;

    private OutputTasks() {}

    /**
     * The files and settings of one {@code train --task multilabel|regression} run.
     * @param calibrate whether the saved model is calibrated on {@code dev} ({@code --temperature-scaling}).
     */
    record TrainFiles(Path train, Path dev, Path test, Path output, Path report, boolean calibrate) {}

    /**
     * Trains, saves and evaluates a multi-label or regression model.
     * @param a the options.
     * @param task the task.
     * @param base the encoder files.
     * @param columns the columns.
     * @param pairKey the pair key, or null.
     * @param f the files.
     * @param settings the report's settings section.
     * @param out where the evaluation is printed.
     * @return the exit code.
     * @throws IOException when a file cannot be read or written.
     */
    static int train(Args a, Task task, BaseModelFiles base, DataColumns columns, String pairKey, TrainFiles f,
                     Map<String, Object> settings, PrintStream out) throws IOException {
        int k = (Integer) TrainerFlags.value(a, "ensembleSize");
        long seed = (Long) TrainerFlags.value(a, "ensembleSeed");
        String pk = pairKey == null ? TextExamples.DEFAULT_PAIR_KEY : pairKey;
        String tk = TextExamples.DEFAULT_TEXT_KEY;
        if (task == Task.MULTILABEL) {
            LoraDropMultiLabelTrainer.Builder b = base.encoder() != null ? LoraDropMultiLabelTrainer.builder(base.encoder())
                    : LoraDropMultiLabelTrainer.builder(base.onnx(), base.tokenizer());
            if (pairKey != null) {
                b.set("pairKey", pairKey);
            }
            LoraDropMultiLabelTrainer trainer = TrainerFlags.build(a, task, b::set, b::build);
            Dataset<MultiLabel> train = multiLabel(columns.read(task, f.train(), tk, pk));
            Dataset<MultiLabel> dev = f.dev() == null ? null : multiLabel(columns.read(task, f.dev(), tk, pk));
            Dataset<MultiLabel> test = f.test() == null ? null : multiLabel(columns.read(task, f.test(), tk, pk));
            TrainCommand.checkLabelsKnown(train, dev, "--dev", f.dev());
            TrainCommand.checkLabelsKnown(train, test, "--test", f.test());
            settings.put("trainer", trainer.toString());
            settings.put("ensemble_size", k);
            settings.put("ensemble_seed", seed);
            long t0 = System.nanoTime();
            try (LoraDropMultiLabelModel model = dev != null ? trainer.train(train, dev) : trainer.train(train)) {
                double wall = (System.nanoTime() - t0) / 1e9;
                return finish(task, model, k, seed, model::withEnsemble, train, dev, test, f, wall, settings, out);
            }
        }
        LoraDropRegressionTrainer.Builder b = base.encoder() != null ? LoraDropRegressionTrainer.builder(base.encoder())
                : LoraDropRegressionTrainer.builder(base.onnx(), base.tokenizer());
        if (pairKey != null) {
            b.set("pairKey", pairKey);
        }
        LoraDropRegressionTrainer trainer = TrainerFlags.build(a, task, b::set, b::build);
        Dataset<Regressor> train = regression(columns.read(task, f.train(), tk, pk));
        Dataset<Regressor> dev = f.dev() == null ? null : regression(columns.read(task, f.dev(), tk, pk));
        Dataset<Regressor> test = f.test() == null ? null : regression(columns.read(task, f.test(), tk, pk));
        settings.put("trainer", trainer.toString());
        settings.put("ensemble_size", k);
        settings.put("ensemble_seed", seed);
        long t0 = System.nanoTime();
        try (LoraDropRegressionModel model = dev != null ? trainer.train(train, dev) : trainer.train(train)) {
            double wall = (System.nanoTime() - t0) / 1e9;
            return finish(task, model, k, seed, model::withEnsemble, train, dev, test, f, wall, settings, out);
        }
    }

    /** A model's copy with another ensemble. */
    @FunctionalInterface
    interface WithEnsemble<M> {
        M with(int k, long seed);
    }

    private static <T extends org.tribuo.Output<T>, M extends AbstractLoraDropModel<T>> int finish(
            Task task, M model, int k, long seed, WithEnsemble<M> withEnsemble, Dataset<T> train, Dataset<T> dev,
            Dataset<T> test, TrainFiles f, double wall, Map<String, Object> settings, PrintStream out) throws IOException {
        M det0 = model.getEnsembleSize() > 1 ? withEnsemble.with(1, model.getEnsembleSeed()) : model;
        M ens0 = k > 1 ? (model.getEnsembleSize() == k && model.getEnsembleSeed() == seed ? model : withEnsemble.with(k, seed)) : null;
        // With --temperature-scaling both variants are calibrated on dev: the report shows them as saved.
        M det = f.calibrate() ? calibrate(det0, dev) : det0;
        M ens = f.calibrate() && ens0 != null ? calibrate(ens0, dev) : ens0;
        try {
            M saved = ens != null ? ens : det;
            AtomicFiles.write(f.output(), "model", saved.serialize()::writeTo);
            out.println("Model (" + task.option() + ", K=" + saved.getEnsembleSize()
                    + (f.calibrate() ? ", calibrated on --dev" : "") + ") written to " + f.output());
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", "train");
            json.put("task", task.option());
            json.put("model", f.output().toAbsolutePath().toString());
            json.putAll(JsonReport.trainingStats(model.getProvenance()));
            json.put("train_wall_seconds", wall);
            json.put("train_examples", train.size());
            json.put("dev_examples", dev == null ? null : dev.size());
            json.put("test_examples", test == null ? 0 : test.size());
            Map<String, Object> sections = test == null ? null : evaluate(task, det, ens, dev != null ? dev : train,
                    dev != null ? "dev" : "train", test, out);
            json.put(EvaluationReport.DETERMINISTIC, sections == null ? null : sections.get(EvaluationReport.DETERMINISTIC));
            json.put(EvaluationReport.ENSEMBLE, sections == null ? null : sections.get(EvaluationReport.ENSEMBLE));
            json.put("settings", settings);
            json.put("provenance", JsonReport.provenance(saved.getProvenance()));
            if (f.report() != null) {
                JsonReport.write(f.report(), json);
                out.println("Report written to " + f.report());
            }
            return 0;
        } finally {
            for (M m : new HashSet<>(Arrays.asList(det, ens, det0, ens0))) {
                if (m != null && m != model) {
                    m.close();
                }
            }
        }
    }

    /**
     * A model calibrated on held-out data: a shared temperature (multi-label) or the variance calibration (regression).
     * @param model the model.
     * @param dev the held-out data.
     * @param <M> the model type.
     * @return the calibrated copy (close it).
     */
    @SuppressWarnings("unchecked")
    static <M extends AbstractLoraDropModel<?>> M calibrate(M model, Dataset<?> dev) {
        if (model instanceof LoraDropMultiLabelModel m) {
            return (M) m.fitTemperatures((Dataset<MultiLabel>) dev, false);
        }
        return (M) ((LoraDropRegressionModel) model).fitVariance((Dataset<Regressor>) dev);
    }

    /**
     * The {@code deterministic} and {@code ensemble} sections of a report.
     * @param task the task.
     * @param det the deterministic model.
     * @param ens the ensemble, or null.
     * @param fit the data the regression variances are fitted on (dev, else train).
     * @param fitName what {@code fit} is, for the report.
     * @param test the evaluated data.
     * @param out where the metrics are printed.
     * @return the sections by name.
     */
    @SuppressWarnings("unchecked")
    static <T extends org.tribuo.Output<T>> Map<String, Object> evaluate(Task task, AbstractLoraDropModel<T> det,
            AbstractLoraDropModel<T> ens, Dataset<T> fit, String fitName, Dataset<T> test, PrintStream out) {
        Map<String, Object> sections = new LinkedHashMap<>();
        if (task == Task.MULTILABEL) {
            LoraDropMultiLabelModel d = (LoraDropMultiLabelModel) det;
            Dataset<MultiLabel> data = (Dataset<MultiLabel>) test;
            Map<String, Object> dm = new LinkedHashMap<>(OutputMetrics.multiLabel(d, d.predict(data), data.getProvenance(), d.getThreshold()));
            dm.put("temperature", temperature(d));
            sections.put(EvaluationReport.DETERMINISTIC, dm);
            if (ens != null) {
                LoraDropMultiLabelModel e = (LoraDropMultiLabelModel) ens;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ensemble_size", e.getEnsembleSize());
                m.putAll(OutputMetrics.multiLabel(e, e.predict(data), data.getProvenance(), e.getThreshold()));
                m.put("temperature", temperature(e));
                sections.put(EvaluationReport.ENSEMBLE, m);
            } else {
                sections.put(EvaluationReport.ENSEMBLE, null);
            }
        } else {
            // A model saved with its calibration is evaluated with it; otherwise the calibration is fitted on `fit`.
            LoraDropRegressionModel d = (LoraDropRegressionModel) det;
            Dataset<Regressor> data = (Dataset<Regressor>) test;
            Dataset<Regressor> fitData = (Dataset<Regressor>) fit;
            boolean ownDet = d.getVarianceCalibration().isEmpty();
            LoraDropRegressionModel dc = ownDet ? d.fitVariance(fitData) : d;
            try {
                List<Prediction<Regressor>> dp = dc.predict(data);
                Map<String, Object> dm = new LinkedHashMap<>(OutputMetrics.regression(dc, dp, data.getProvenance(),
                        variances(dp, null)));
                dm.put("variance", scalar(dc.getVarianceCalibration().orElseThrow().scales()));
                dm.put("variance_fitted_on", ownDet ? fitName : "saved with the model");
                sections.put(EvaluationReport.DETERMINISTIC, dm);
            } finally {
                if (ownDet) {
                    dc.close();
                }
            }
            if (ens != null) {
                LoraDropRegressionModel e = (LoraDropRegressionModel) ens;
                boolean ownEns = e.getVarianceCalibration().isEmpty() && "dev".equals(fitName);
                LoraDropRegressionModel ec = ownEns ? e.fitVariance(fitData) : e;
                try {
                    List<Prediction<Regressor>> ep = ec.predict(data);
                    double[] scale = ec.getVarianceCalibration().map(VarianceScaling::scales).orElse(null);
                    double[][] raw = variances(ep, scale);
                    Map<String, Object> unscaled = OutputMetrics.regression(ec, ep, data.getProvenance(), raw);
                    Map<String, Object> em = new LinkedHashMap<>();
                    em.put("ensemble_size", ec.getEnsembleSize());
                    if (scale != null) {
                        em.putAll(OutputMetrics.regression(ec, ep, data.getProvenance(), variances(ep, null)));
                        em.put("variance_scale", scalar(scale));
                        em.put("variance_scale_fitted_on", ownEns ? fitName : "saved with the model");
                        em.put("unscaled", Map.of(OutputMetrics.NLL, unscaled.get(OutputMetrics.NLL),
                                OutputMetrics.COVERAGE, unscaled.get(OutputMetrics.COVERAGE)));
                    } else {
                        em.putAll(unscaled);
                        em.put("variance_scale", 1.0);
                    }
                    em.put("mean_variance", mean(raw));
                    sections.put(EvaluationReport.ENSEMBLE, em);
                } finally {
                    if (ownEns) {
                        ec.close();
                    }
                }
            } else {
                sections.put(EvaluationReport.ENSEMBLE, null);
            }
        }
        for (Map.Entry<String, Object> e : sections.entrySet()) {
            if (e.getValue() != null) {
                out.println(e.getKey() + ": " + format((Map<String, Object>) e.getValue()));
            }
        }
        return sections;
    }

    /**
     * The task of a saved model file, from the model class its protobuf names.
     * @param file the model file.
     * @return the task.
     * @throws IOException when the file is not a Tribuo protobuf model.
     */
    static Task taskOf(Path file) throws IOException {
        String className;
        try (InputStream in = Files.newInputStream(file)) {
            className = ModelProto.parseFrom(in).getClassName();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException("Cannot load the model " + file + ": not a Tribuo protobuf model file (" + e.getMessage() + ")", e);
        }
        if (className.equals(LoraDropMultiLabelModel.class.getName())) {
            return Task.MULTILABEL;
        } else if (className.equals(LoraDropRegressionModel.class.getName())) {
            return Task.REGRESSION;
        }
        return Task.CLASSIFICATION;
    }

    /**
     * Loads a multi-label or regression model.
     * @param file the model file.
     * @param task its task.
     * @return the model; close it after use.
     * @throws IOException when it cannot be read.
     */
    static AbstractLoraDropModel<?> load(Path file, Task task) throws IOException {
        Model<?> m;
        try {
            m = Model.deserializeFromFile(file);
        } catch (IOException | RuntimeException e) {
            throw new IOException("Cannot load the model " + file + ": " + SavedModel.reason(e), e);
        }
        if (!(m instanceof AbstractLoraDropModel<?> model) || task == Task.CLASSIFICATION) {
            throw new IOException("The model " + file + " is a " + m.getClass().getName() + ", not a LoRA-Drop "
                    + "multi-label or regression model");
        }
        return model;
    }

    /**
     * Refuses the options of {@code predict} and {@code evaluate} that only classification takes, before any work:
     * {@code --diagram} (a reliability diagram of a classifier's top-label confidence) and {@code --base-model} with
     * {@code --model} (the new place of a moved base encoder, not supported for these models yet). {@code --threads},
     * {@code --long-text} and {@code --window-stride} apply to every task.
     * @param a the options.
     * @param task the model's task.
     */
    static void checkOptions(Args a, Task task) {
        if (a.has("--diagram")) {
            throw a.error("--diagram draws a classifier's reliability diagram; " + task.option() + " models have none"
                    + " (the report's calibration metrics cover them)");
        }
        // With --peft, --base-model is the adapter's encoder, not a saved model's moved one.
        if (a.has("--base-model") && !a.has("--peft")) {
            throw a.error("--base-model (the new place of a moved base encoder) is not supported for " + task.option()
                    + " models yet; such a model reads the base encoder it references from its recorded path");
        }
    }

    /**
     * The loaded model with {@code --threads}, {@code --long-text}, {@code --window-stride} and
     * {@code --quantized-merge} applied as for a classifier ({@link SavedModel#withThreads},
     * {@link SavedModel#withLongText}, {@link SavedModel#withQuantizedMerge}). Closes {@code model} when it returns a
     * copy, or throws.
     * @param a the options.
     * @param model the loaded model.
     * @return the model to use; close it after use.
     * @throws UsageException when a value is invalid for this model.
     */
    static AbstractLoraDropModel<?> withReadingOptions(Args a, AbstractLoraDropModel<?> model) {
        return readingOptions(a, model);
    }

    private static <T extends org.tribuo.Output<T>> AbstractLoraDropModel<T> readingOptions(Args a, AbstractLoraDropModel<T> model) {
        return SavedModel.withQuantizedMerge(a, SavedModel.withLongText(a, SavedModel.withThreads(a, model)));
    }

    /**
     * A copy of a loaded model with an ensemble of {@code k} members.
     * @param model the model.
     * @param k members.
     * @param seed the members' seed.
     * @return the copy (close it).
     */
    static AbstractLoraDropModel<?> withEnsemble(AbstractLoraDropModel<?> model, int k, long seed) {
        if (model instanceof LoraDropMultiLabelModel m) {
            return m.withEnsemble(k, seed);
        }
        return ((LoraDropRegressionModel) model).withEnsemble(k, seed);
    }

    /**
     * Predicts one text and prints the result.
     * @param model the model.
     * @param text the text.
     * @param pair the second text, or null.
     * @param out where it is printed.
     */
    static void printOne(AbstractLoraDropModel<?> model, String text, String pair, PrintStream out) {
        Prediction<?> p = pair == null ? model.predict(text) : model.predict(text, pair);
        row(p, model).forEach((k, v) -> out.println(k + ": " + v));
    }

    /**
     * Predicts every row of a file and writes the predictions (CSV, TSV or JSON lines by extension), atomically.
     * @param model the model.
     * @param rows the rows.
     * @param output the output file.
     * @param out where the summary is printed.
     * @throws IOException when the output cannot be written.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void predictFile(AbstractLoraDropModel<?> model, List<UnlabelledTexts.Row> rows, Path output, PrintStream out)
            throws IOException {
        List<Example> examples = new ArrayList<>(rows.size());
        Object unknown = model instanceof LoraDropMultiLabelModel ? MultiLabelFactory.UNKNOWN_MULTILABEL
                : RegressionFactory.UNKNOWN_REGRESSOR;
        for (UnlabelledTexts.Row r : rows) {
            Map<String, Object> metadata = new HashMap<>(4);
            metadata.put(model.getTextKey(), r.text());
            model.getPairKey().ifPresent(key -> metadata.put(key, r.pair()));
            examples.add(TextExamples.withMetadata((org.tribuo.Output) unknown, 1f, metadata));
        }
        long t0 = System.nanoTime();
        List<Prediction<?>> predictions = (List) ((AbstractLoraDropModel) model).predict((Iterable) examples);
        logger.info(String.format(Locale.ROOT, "Predicted %d texts in %.1f s (K=%d)", rows.size(),
                (System.nanoTime() - t0) / 1e9, model.getEnsembleSize()));
        boolean ids = rows.stream().anyMatch(r -> r.id() != null);
        UnlabelledTexts.Format format = UnlabelledTexts.Format.of(output);
        StringBuilder sb = new StringBuilder();
        List<String> header = null;
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            if (ids) {
                row.put("id", rows.get(i).id());
            }
            row.putAll(row(predictions.get(i), model));
            if (format == UnlabelledTexts.Format.JSONL) {
                sb.append(MAPPER.writeValueAsString(row)).append('\n');
                continue;
            }
            char sep = format == UnlabelledTexts.Format.CSV ? ',' : '\t';
            Map<String, Object> flat = flatten(row);
            if (header == null) {
                header = new ArrayList<>(flat.keySet());
                PredictionWriter.line(sb, header, sep);
            }
            List<String> cells = new ArrayList<>();
            for (String h : header) {
                Object v = flat.get(h);
                cells.add(v == null ? "" : String.valueOf(v));
            }
            PredictionWriter.line(sb, cells, sep);
        }
        AtomicFiles.write(output, "predictions", sb.toString().getBytes(StandardCharsets.UTF_8));
        out.println("Wrote " + rows.size() + " predictions to " + output);
    }

    /**
     * One prediction as output columns: multi-label labels and every label's score; regression values and, where the
     * model gives them (an ensemble, or a calibrated deterministic model), variances.
     */
    private static Map<String, Object> row(Prediction<?> p, AbstractLoraDropModel<?> model) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (p.getOutput() instanceof MultiLabel ml) {
            m.put("labels", String.join(",", new TreeSet<>(ml.getNameSet())));
            Map<String, Double> scores = new LinkedHashMap<>();
            for (Map.Entry<String, ?> e : new java.util.TreeMap<>(p.getOutputScores()).entrySet()) {
                MultiLabel s = (MultiLabel) e.getValue();
                scores.put(e.getKey(), s.getLabelSet().iterator().next().getScore());
            }
            m.put("scores", scores);
        } else {
            Regressor r = (Regressor) p.getOutput();
            String[] names = r.getNames();
            double[] values = r.getValues();
            double[] variances = r.getVariances();
            for (int d = 0; d < names.length; d++) {
                String suffix = names.length == 1 ? "" : ":" + names[d];
                m.put("prediction" + suffix, values[d]);
                if (Double.isFinite(variances[d])) {
                    m.put("variance" + suffix, variances[d]);
                }
            }
        }
        return m;
    }

    private static Map<String, Object> flatten(Map<String, Object> row) {
        Map<String, Object> flat = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : row.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> inner) {
                inner.forEach((k, v) -> flat.put("p:" + k, v));
            } else {
                flat.put(e.getKey(), e.getValue());
            }
        }
        return flat;
    }

    /**
     * The predictions' variances, divided by a calibration's scales when given (the members' own variance), and
     * floored so that members that agree exactly still give a Gaussian.
     */
    private static double[][] variances(List<Prediction<Regressor>> predictions, double[] unscale) {
        double[][] out = RegressionCalibration.fromPredictions(predictions).variance();
        for (double[] row : out) {
            for (int d = 0; d < row.length; d++) {
                double v = unscale == null ? row[d] : row[d] / unscale[d];
                row[d] = Double.isFinite(v) ? Math.max(MIN_VARIANCE, v) : v;
            }
        }
        return out;
    }

    /** A multi-label model's temperature for the report: 1 when uncalibrated, else its one or per-label values. */
    private static Object temperature(LoraDropMultiLabelModel m) {
        return m.getTemperatures().map(t -> scalar(t.temperatures())).orElse(1.0);
    }

    /** One value as a number, several as an array (the report's form for one or more dimensions). */
    private static Object scalar(double[] values) {
        return values.length == 1 ? values[0] : values;
    }

    private static double mean(double[][] v) {
        double s = 0;
        int n = 0;
        for (double[] row : v) {
            for (double x : row) {
                s += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    private static String format(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof String) {
                continue;
            }
            sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                    .append(e.getValue() instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : e.getValue());
        }
        Object cov = m.get(OutputMetrics.COVERAGE);
        if (cov != null) {
            sb.append(", coverage ").append(cov);
        }
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static Dataset<MultiLabel> multiLabel(MutableDataset<?> d) {
        return (Dataset<MultiLabel>) d;
    }

    @SuppressWarnings("unchecked")
    private static Dataset<Regressor> regression(MutableDataset<?> d) {
        return (Dataset<Regressor>) d;
    }

}
