/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.DataSource;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.evaluation.MultiLabelEvaluation;
import org.tribuo.multilabel.evaluation.MultiLabelEvaluator;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.evaluation.RegressionEvaluator;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tribuo's configuration route for the new output types: {@code examples/configs/loradrop-multilabel.xml} and
 * {@code loradrop-regression.xml} are loaded by OLCUT's {@link ConfigurationManager} with command-line overrides (the
 * tiny test encoder, synthetic keyword data, a short schedule), their data source and trainer components are looked
 * up, and the trained models learn the keyword task: every keyword's tag (multi-label) or the number of keywords
 * (regression).
 */
class ConfigRouteOutputTypesTest {
    static final Path CONFIGS = Path.of("..", "examples", "configs");

    @TempDir
    Path dir;

    /** Rows of 3 to 6 fillers with each keyword present with probability 1/2, as JSON lines. */
    private Path data(String name, int rows, long seed, boolean multiLabel) throws Exception {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            List<String> words = new ArrayList<>();
            for (int i = 0, n = 3 + rnd.nextInt(4); i < n; i++) {
                words.add(TinyFixture.FILLERS.get(rnd.nextInt(TinyFixture.FILLERS.size())));
            }
            List<String> tags = new ArrayList<>();
            for (int k = 0; k < TinyFixture.KEYWORDS.size(); k++) {
                if (rnd.nextBoolean()) {
                    words.add(rnd.nextInt(words.size() + 1), TinyFixture.KEYWORDS.get(k));
                    tags.add("\"" + TinyFixture.CLASSES.get(k) + "\"");
                }
            }
            if (multiLabel && tags.isEmpty()) {
                r--;
                continue;
            }
            String label = multiLabel ? "[" + String.join(",", tags) + "]" : Integer.toString(tags.size());
            lines.add("{\"text\": \"" + String.join(" ", words) + "\", \"label\": " + label + "}");
        }
        Path p = dir.resolve(name);
        Files.write(p, lines, StandardCharsets.UTF_8);
        return p;
    }

    private ConfigurationManager config(String file, String trainer, Path train, Path test, TinyFixture f, String... extra) {
        List<String> args = new ArrayList<>(List.of("--config-file", CONFIGS.resolve(file).toString(),
                "--@baseModel", f.model.toString(), "--@tokenizer", f.vocab.toString(),
                "--@trainFile", train.toString(), "--@testFile", test.toString(),
                "--@" + trainer + ".maxLength", "16", "--@" + trainer + ".rank", "4", "--@" + trainer + ".alpha", "8",
                "--@" + trainer + ".batchSize", "8", "--@" + trainer + ".warmupFraction", "0.0",
                "--@" + trainer + ".threads", "1", "--@" + trainer + ".logIntervalSeconds", "60"));
        args.addAll(List.of(extra));
        return new ConfigurationManager(args.toArray(new String[0]));
    }

    @Test
    @SuppressWarnings("unchecked")
    void multiLabelConfigTrainsTheKeywordTags() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        ConfigurationManager cm = config("loradrop-multilabel.xml", "multilabel-trainer", data("train.jsonl", 150, 1, true),
                data("test.jsonl", 60, 2, true), f, "--@multilabel-trainer.epochs", "12", "--@multilabel-trainer.learningRate", "2e-2");
        LoraDropMultiLabelTrainer trainer = (LoraDropMultiLabelTrainer) cm.lookup("multilabel-trainer");
        MutableDataset<MultiLabel> train = new MutableDataset<>((DataSource<MultiLabel>) cm.lookup("debtags-train"));
        MutableDataset<MultiLabel> test = new MutableDataset<>((DataSource<MultiLabel>) cm.lookup("debtags-test"));
        try (LoraDropMultiLabelModel m = trainer.train(train)) {
            assertEquals(3, m.getOutputIDInfo().size());
            assertEquals("12", m.getProvenance().getTrainerProvenance().getConfiguredParameters().get("epochs").toString());
            assertEquals("0.5", m.getProvenance().getTrainerProvenance().getConfiguredParameters().get("threshold").toString());
            MultiLabelEvaluation e = new MultiLabelEvaluator().evaluate(m, test);
            assertTrue(e.microAveragedF1() > 0.9, "micro-F1 " + e.microAveragedF1());
            Prediction<MultiLabel> p = m.predict("the dog sits on the mat");
            assertEquals(java.util.Set.of("animal"), p.getOutput().getNameSet(), p.toString());
            assertEquals(3, p.getOutputScores().size(), "every label has its score");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void regressionConfigTrainsTheKeywordCountWithAnEnsembleVariance() throws Exception {
        TinyFixture f = new TinyFixture(dir);
        ConfigurationManager cm = config("loradrop-regression.xml", "regression-trainer", data("train.jsonl", 150, 1, false),
                data("test.jsonl", 60, 2, false), f, "--@regression-trainer.epochs", "20", "--@regression-trainer.learningRate", "2e-2",
                "--@depth-train.labelColumn", "label", "--@depth-test.labelColumn", "label");
        LoraDropRegressionTrainer trainer = (LoraDropRegressionTrainer) cm.lookup("regression-trainer");
        MutableDataset<Regressor> train = new MutableDataset<>((DataSource<Regressor>) cm.lookup("depth-train"));
        MutableDataset<Regressor> test = new MutableDataset<>((DataSource<Regressor>) cm.lookup("depth-test"));
        try (LoraDropRegressionModel m = trainer.train(train)) {
            assertEquals(8, m.getEnsembleSize(), "the XML's ensembleSize");
            assertEquals("MSE", m.getProvenance().getTrainerProvenance().getConfiguredParameters().get("loss").toString());
            assertTrue(m.getProvenance().getInstanceProvenance().getMap().containsKey(LoraDropRegressionTrainer.TARGET_MEAN));
            Regressor dim = m.getOutputIDInfo().getOutput(0);
            double r2 = new RegressionEvaluator().evaluate(m, test).r2(dim);
            System.out.printf("config-route regression: R2 %.4f%n", r2);
            assertTrue(r2 > 0.5, "R2 " + r2);
            double v = m.predict("the dog sits on the red mat").getOutput().getVariances()[0];
            assertTrue(v > 0 && Double.isFinite(v), "ensemble variance " + v);
        }
    }
}
