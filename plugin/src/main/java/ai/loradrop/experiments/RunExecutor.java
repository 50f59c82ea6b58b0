/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.calibration.TemperatureScaling;
import ai.loradrop.io.AtomicFiles;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.evaluation.CrossValidation;
import com.oracle.labs.mlrg.olcut.util.Pair;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Trains and evaluates one run of a sweep and assembles its report.
 * <p>
 * With a dev set: trains with the dev set as validation data (it picks the epoch), fits one temperature for the
 * deterministic model and one for the ensemble on the dev set, and evaluates on the dev set (for selection) and, when
 * there is one, on the test set: deterministic, deterministic + temperature, the K-member ensemble and ensemble +
 * temperature, the ensemble curve over K = 1..maxK (the first K members of one maxK-member ensemble, whose members
 * are those of every smaller ensemble with the same seed; with a dev-fitted temperature up to the ensemble variant's
 * K, whose members the dev set is scored with), and the deterministic model's confusion matrix. Only the
 * {@code "dev"} part of the report is ever used to select runs ({@link Selection}).
 * <p>
 * With k folds: Tribuo's {@link CrossValidation} over the training data, the mean fold accuracy taking the dev
 * accuracy's place.
 */
final class RunExecutor {
    private static final Logger logger = Logger.getLogger(RunExecutor.class.getName());

    /** The report entry that {@link Selection} reads; nothing else is used for selection. */
    static final String DEV = "dev";

    private final SweepGrid grid;
    private final SweepData data;

    RunExecutor(SweepGrid grid, SweepData data) {
        this.grid = grid;
        this.data = data;
    }

    /**
     * Runs one configuration.
     * @param trainer the configured trainer.
     * @param modelFile where to save the model, or null.
     * @return the report entries of the run's results.
     * @throws IOException when the model cannot be written.
     */
    Map<String, Object> run(LoraDropTrainer trainer, Path modelFile) throws IOException {
        return grid.folds() > 0 ? crossValidate(trainer) : trainAndEvaluate(trainer, modelFile);
    }

    private Map<String, Object> crossValidate(LoraDropTrainer trainer) {
        CrossValidation<Label, LabelEvaluation> cv = new CrossValidation<>(trainer, data.train(), new LabelEvaluator(),
                grid.folds(), configuredLong(trainer, TrainerFields.SEED, 1L));
        List<Double> accuracies = new ArrayList<>();
        List<Double> f1 = new ArrayList<>();
        Map<String, Object> provenance = null;
        for (Pair<LabelEvaluation, Model<Label>> fold : cv.evaluate()) {
            accuracies.add(fold.getA().accuracy());
            f1.add(fold.getA().macroAveragedF1());
            if (provenance == null) {
                provenance = ProvenanceJson.of(fold.getB().getProvenance());
            }
            if (fold.getB() instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    logger.warning("Could not close a fold's model: " + e);
                }
            }
        }
        Map<String, Object> cvMap = new LinkedHashMap<>();
        cvMap.put("folds", grid.folds());
        cvMap.put("fold_accuracy", accuracies);
        cvMap.put("fold_macro_f1", f1);
        Map<String, Object> dev = new LinkedHashMap<>();
        Map<String, Object> det = new LinkedHashMap<>();
        det.put("accuracy", mean(accuracies));
        det.put("macro_f1", mean(f1));
        det.put("source", "cross-validation mean over " + grid.folds() + " folds of the training data");
        dev.put("deterministic", det);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cross_validation", cvMap);
        out.put(DEV, dev);
        out.put("train_examples", data.train().size());
        out.put("provenance", provenance);
        return out;
    }

    /** A numeric field of the trainer's configuration, read from its provenance. */
    static long configuredLong(LoraDropTrainer trainer, String field, long dflt) {
        Object p = trainer.getProvenance().getConfiguredParameters().get(field);
        if (p instanceof com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance<?> pp && pp.getValue() instanceof Number n) {
            return n.longValue();
        }
        return dflt;
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private Map<String, Object> trainAndEvaluate(LoraDropTrainer trainer, Path modelFile) throws IOException {
        long t0 = System.nanoTime();
        Map<String, Object> out = new LinkedHashMap<>();
        long ensembleSeed = configuredLong(trainer, "ensembleSeed", 1L);
        int trainerK = (int) configuredLong(trainer, "ensembleSize", 1L);
        int k = trainerK > 1 ? trainerK : grid.ensembleSize();
        int maxK = Math.max(grid.maxEnsembleSize(), k);
        try (LoraDropModel trained = trainer.train(data.train(), data.dev());
             LoraDropModel model = trained.withEnsemble(1, ensembleSeed)) {
            double wall = (System.nanoTime() - t0) / 1e9;
            boolean ensemble = model.getSpec().lora().hasDropout();
            ImmutableOutputInfo<Label> domain = model.getOutputIDInfo();
            int classes = domain.size();

            // Dev set: temperatures and the selection metrics.
            List<Example<Label>> devList = list(data.dev());
            int[] devLabels = labels(domain, devList, "dev");
            double[][] devDet = model.scores(devList).logScores();
            double tDet = TemperatureScaling.fit(devDet, devLabels).temperature();
            float[][][] devMembers = null;
            double[] tEnsByK = null;
            LoraDropModel ens = null;
            try {
                if (ensemble) {
                    // The dev set needs the members of the K-member ensemble only (its temperature, and those of the
                    // smaller ensembles on the curve); the test set gets all maxK members.
                    try (LoraDropModel devEnsemble = model.withEnsemble(k, ensembleSeed)) {
                        devMembers = devEnsemble.scores(devList).members();
                    }
                    ens = model.withEnsemble(maxK, ensembleSeed);
                    tEnsByK = new double[k + 1];
                    for (int kk = 1; kk <= k; kk++) {
                        tEnsByK[kk] = TemperatureScaling.fit(VariantMetrics.ensembleLogScores(devMembers, kk), devLabels).temperature();
                    }
                }
                Map<String, Object> dev = new LinkedHashMap<>();
                dev.put("deterministic", VariantMetrics.of(1, 1.0, VariantMetrics.softmax(devDet, 1.0), devLabels, false));
                dev.put("ensemble", ensemble ? VariantMetrics.of(k, 1.0,
                        VariantMetrics.softmax(VariantMetrics.ensembleLogScores(devMembers, k), 1.0), devLabels, false) : null);
                dev.put("temperature_deterministic", tDet);
                dev.put("temperature_ensemble", ensemble ? tEnsByK[k] : null);

                out.put("train_seconds", ProvenanceJson.number(model.getProvenance(), LoraDropTrainer.TRAIN_SECONDS));
                out.put("examples_per_second", ProvenanceJson.number(model.getProvenance(), LoraDropTrainer.EXAMPLES_PER_SECOND));
                out.put("train_wall_seconds", wall);
                out.put("train_examples", data.train().size());
                out.put("dev_examples", devList.size());
                Map<String, Object> epochs = new LinkedHashMap<>();
                epochs.put("train_loss", ProvenanceJson.doubles(model.getProvenance(), LoraDropTrainer.TRAIN_LOSS));
                epochs.put("validation_loss", ProvenanceJson.doubles(model.getProvenance(), LoraDropTrainer.VALIDATION_LOSS));
                epochs.put("validation_accuracy", ProvenanceJson.doubles(model.getProvenance(), LoraDropTrainer.VALIDATION_ACCURACY));
                Double chosen = ProvenanceJson.number(model.getProvenance(), LoraDropTrainer.CHOSEN_EPOCH);
                epochs.put("chosen_epoch", chosen == null ? null : chosen.intValue());
                out.put("epochs", epochs);
                out.put(DEV, dev);

                if (data.test() != null) {
                    testEvaluation(out, model, ens, domain, classes, k, maxK, tDet, tEnsByK);
                } else {
                    out.put("test_examples", 0);
                    out.put("deterministic", null);
                    out.put("ensemble", null);
                }
                LoraDropModel saved = model;
                if (modelFile != null) {
                    try (LoraDropModel withK = ensemble ? model.withEnsemble(k, ensembleSeed) : null) {
                        saved = withK != null ? withK : model;
                        AtomicFiles.write(modelFile, "model", saved.serialize()::writeTo);
                    }
                    out.put("model", modelFile.toAbsolutePath().toString());
                } else {
                    out.put("model", null);
                }
                out.put("provenance", ProvenanceJson.of(model.getProvenance()));
            } finally {
                if (ens != null) {
                    ens.close();
                }
            }
        }
        return out;
    }

    private void testEvaluation(Map<String, Object> out, LoraDropModel model, LoraDropModel ens,
                                ImmutableOutputInfo<Label> domain, int classes, int k, int maxK, double tDet, double[] tEnsByK) {
        List<Example<Label>> testList = list(data.test());
        int[] testLabels = labels(domain, testList, "test");
        double[][] det = model.scores(testList).logScores();
        double[][] detP = VariantMetrics.softmax(det, 1.0);
        out.put("test_examples", testList.size());
        out.put("deterministic", VariantMetrics.of(1, 1.0, detP, testLabels, true));
        out.put("deterministic_tempered", VariantMetrics.of(1, tDet, VariantMetrics.softmax(det, tDet), testLabels, true));
        if (ens != null) {
            float[][][] members = ens.scores(testList).members();
            double[][] ensLog = VariantMetrics.ensembleLogScores(members, k);
            out.put("ensemble", VariantMetrics.of(k, 1.0, VariantMetrics.softmax(ensLog, 1.0), testLabels, true));
            out.put("ensemble_tempered", VariantMetrics.of(k, tEnsByK[k], VariantMetrics.softmax(ensLog, tEnsByK[k]), testLabels, true));
            List<Map<String, Object>> curve = new ArrayList<>();
            for (int kk = 1; kk <= maxK; kk++) {
                double[][] log = VariantMetrics.ensembleLogScores(members, kk);
                Map<String, Object> plain = VariantMetrics.of(kk, 1.0, VariantMetrics.softmax(log, 1.0), testLabels, false);
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("k", kk);
                point.put("accuracy", plain.get("accuracy"));
                point.put("ece", plain.get("ece"));
                point.put("nll", plain.get("nll"));
                if (kk < tEnsByK.length) {
                    Map<String, Object> tempered = VariantMetrics.of(kk, tEnsByK[kk], VariantMetrics.softmax(log, tEnsByK[kk]), testLabels, false);
                    point.put("temperature", tEnsByK[kk]);
                    point.put("ece_tempered", tempered.get("ece"));
                } else {
                    point.put("temperature", null);
                    point.put("ece_tempered", null);
                }
                curve.add(point);
            }
            out.put("ensemble_curve", curve);
        } else {
            out.put("ensemble", null);
            out.put("ensemble_tempered", null);
            out.put("ensemble_curve", List.of());
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add(domain.getOutput(c).getLabel());
        }
        Map<String, Object> confusion = new LinkedHashMap<>();
        confusion.put("variant", "deterministic");
        confusion.put("labels", names);
        List<List<Integer>> matrix = new ArrayList<>();
        for (int[] row : VariantMetrics.confusion(detP, testLabels, classes)) {
            matrix.add(java.util.Arrays.stream(row).boxed().toList());
        }
        confusion.put("matrix", matrix);
        out.put("confusion", confusion);
    }

    private static List<Example<Label>> list(Dataset<Label> d) {
        List<Example<Label>> l = new ArrayList<>(d.size());
        d.forEach(l::add);
        return l;
    }

    private static int[] labels(ImmutableOutputInfo<Label> domain, List<Example<Label>> examples, String what) {
        int[] y = new int[examples.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = domain.getID(examples.get(i).getOutput());
            if (y[i] < 0) {
                throw new IllegalArgumentException("The " + what + " set's example " + (i + 1) + " has label '"
                        + examples.get(i).getOutput().getLabel() + "', which is not in the training data");
            }
        }
        return y;
    }
}
