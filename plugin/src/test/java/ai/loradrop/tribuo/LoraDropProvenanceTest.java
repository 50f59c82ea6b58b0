/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.io.Sha256;
import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraDropProvenanceTest {
    @TempDir
    Path dir;
    TinyFixture f;
    MutableDataset<Label> train;
    MutableDataset<Label> test;

    @BeforeEach
    void setUp() throws Exception {
        f = new TinyFixture(dir);
        train = TinyFixture.dataset(10, 1);
        test = TinyFixture.dataset(5, 2);
    }

    @Test
    void provenanceRecordsFileHashesHyperparametersAndTrainingStats() throws Exception {
        try (LoraDropModel m = f.trainer().rank(2).epochs(4).validationFraction(0.2).build()
                .train(train, Map.of("experiment", new StringProvenance("experiment", "unit-test")))) {
            ModelProvenance p = m.getProvenance();
            LoraDropTrainerProvenance tp = assertInstanceOf(LoraDropTrainerProvenance.class, p.getTrainerProvenance());
            assertEquals(Sha256.ofFile(f.model), tp.getBaseModelSha256());
            assertEquals(Files.size(f.model), tp.getBaseModelSize());
            assertEquals(Sha256.ofFile(f.vocab), tp.getTokenizerSha256());
            assertEquals(Files.size(f.vocab), tp.getTokenizerSize());
            assertEquals(new HashProvenance(ProvenanceUtil.HashType.SHA256, LoraDropTrainerProvenance.BASE_MODEL_SHA256,
                    Sha256.ofFile(f.model)), tp.getInstanceValues().get(LoraDropTrainerProvenance.BASE_MODEL_SHA256));
            Map<String, Provenance> conf = tp.getConfiguredParameters();
            assertEquals(new IntProvenance("rank", 2), conf.get("rank"));
            assertEquals(new IntProvenance("epochs", 4), conf.get("epochs"));
            assertEquals(new DoubleProvenance("validationFraction", 0.2), conf.get("validationFraction"));
            assertEquals(new LongProvenance("seed", 12345L), conf.get("seed"));
            assertTrue(conf.containsKey("baseModelPath") && conf.containsKey("tokenizerPath"), conf.keySet().toString());

            Map<String, ? extends Provenance> inst = p.getInstanceProvenance().getMap();
            assertEquals(new StringProvenance("experiment", "unit-test"), inst.get("experiment"));
            assertEquals(new IntProvenance(LoraDropTrainer.VALIDATION_EXAMPLES, 6), inst.get(LoraDropTrainer.VALIDATION_EXAMPLES));
            assertEquals(new IntProvenance(LoraDropTrainer.TRAIN_EXAMPLES, 24), inst.get(LoraDropTrainer.TRAIN_EXAMPLES));
            @SuppressWarnings("unchecked")
            List<Double> vLoss = ProvenanceUtil.unwrap((ListProvenance<DoubleProvenance>) inst.get(LoraDropTrainer.VALIDATION_LOSS));
            assertEquals(4, vLoss.size());
            vLoss.forEach(v -> assertTrue(Double.isFinite(v) && v > 0, "validation loss " + v));
            int chosen = ((IntProvenance) inst.get(LoraDropTrainer.CHOSEN_EPOCH)).getValue();
            // The chosen epoch is the one with the lowest validation loss.
            int best = 0;
            for (int i = 1; i < vLoss.size(); i++) {
                if (vLoss.get(i) < vLoss.get(best)) {
                    best = i;
                }
            }
            assertEquals(best + 1, chosen);
            assertEquals(4L * 3, ((LongProvenance) inst.get(LoraDropTrainer.STEPS)).getValue(), "4 epochs of 24/8 batches");
            assertTrue(((DoubleProvenance) inst.get(LoraDropTrainer.TRAIN_SECONDS)).getValue() > 0);
            assertEquals(new IntProvenance(LoraDropModel.ENSEMBLE_SIZE, 1), inst.get(LoraDropModel.ENSEMBLE_SIZE));
            assertEquals(new DoubleProvenance(LoraDropModel.TEMPERATURE, 1.0), inst.get(LoraDropModel.TEMPERATURE));

            // Everything survives protobuf serialization.
            Path file = dir.resolve("m.tribuo");
            m.serializeToFile(file);
            try (LoraDropModel loaded = (LoraDropModel) Model.deserializeFromFile(file)) {
                assertEquals(p, loaded.getProvenance());
            }
        }
    }

    @Test
    void extractedConfigurationRetrainsIdentically() {
        LoraDropTrainer original = f.trainer().epochs(3).seed(99L).build();
        try (LoraDropModel m = original.train(train)) {
            List<ConfigurationData> config = ProvenanceUtil.extractConfiguration(m.getProvenance());
            ConfigurationManager cm = new ConfigurationManager();
            cm.addConfiguration(config);
            List<LoraDropTrainer> trainers = cm.lookupAll(LoraDropTrainer.class);
            assertEquals(1, trainers.size());
            LoraDropTrainer rebuilt = trainers.get(0);
            TrainerProvenance tp = m.getProvenance().getTrainerProvenance();
            assertEquals(tp.getConfiguredParameters(), rebuilt.getProvenance().getConfiguredParameters());
            try (LoraDropModel again = rebuilt.train(train)) {
                assertArrayEquals(m.getParameters(), again.getParameters());
                LoraDropModelTest.assertSameProbabilities(LoraDropModelTest.probabilities(m.predict(test)),
                        LoraDropModelTest.probabilities(again.predict(test)));
                assertEquals(tp, again.getProvenance().getTrainerProvenance());
            }
        }
    }

    @Test
    void invocationCountSeparatesRunsAndReproducesThem() {
        LoraDropTrainer t = f.trainer().epochs(2).build();
        try (LoraDropModel first = t.train(train); LoraDropModel second = t.train(train)) {
            assertEquals(2, t.getInvocationCount());
            assertNotEquals(first.getParameters()[0], second.getParameters()[0], "each train call draws a new seed");
            assertEquals(1, ((IntProvenance) second.getProvenance().getTrainerProvenance().getInstanceValues()
                    .get(TrainerProvenance.TRAIN_INVOCATION_COUNT)).getValue());
            LoraDropTrainer fresh = f.trainer().epochs(2).build();
            try (LoraDropModel replay = fresh.train(train, Map.of(), 1)) {
                assertArrayEquals(second.getParameters(), replay.getParameters());
            }
        }
    }

    @Test
    void validationDatasetOverloadChoosesTheEpochAndRecordsTheDataset() {
        LoraDropTrainer t = f.trainer().epochs(3).validationFraction(0.5).build();
        try (LoraDropModel m = t.train(train, test)) {
            Map<String, ? extends Provenance> inst = m.getProvenance().getInstanceProvenance().getMap();
            assertEquals(new IntProvenance(LoraDropTrainer.TRAIN_EXAMPLES, 30), inst.get(LoraDropTrainer.TRAIN_EXAMPLES),
                    "validationFraction is ignored when a validation set is given");
            assertEquals(new IntProvenance(LoraDropTrainer.VALIDATION_EXAMPLES, 15), inst.get(LoraDropTrainer.VALIDATION_EXAMPLES));
            assertEquals(test.getProvenance(), inst.get(LoraDropTrainer.VALIDATION_DATASET));
            try (LoraDropModel loaded = (LoraDropModel) Model.deserialize(m.serialize())) {
                assertEquals(m.getProvenance(), loaded.getProvenance());
            }
        }
    }

    @Test
    void checkpointsGoToOneFolderPerInvocation() {
        Path ck = dir.resolve("checkpoints");
        LoraDropTrainer t = f.trainer().epochs(2).checkpoints(ck, 2, false).build();
        try (LoraDropModel m = t.train(train)) {
            assertTrue(Files.isRegularFile(ck.resolve("invocation-0").resolve("checkpoint.bin")));
            assertFalse(Files.exists(ck.resolve("invocation-1")));
            // Resuming from the finished run's checkpoint gives the same parameters without training again.
            LoraDropTrainer resumed = f.trainer().epochs(2).checkpoints(ck, 2, true).build();
            try (LoraDropModel again = resumed.train(train)) {
                assertArrayEquals(m.getParameters(), again.getParameters());
                assertEquals(8L, ((LongProvenance) again.getProvenance().getInstanceProvenance().getMap()
                        .get(LoraDropTrainer.STEPS)).getValue(), "2 epochs of 30/8 batches, all restored");
            }
        }
    }

    private static void assertArrayEquals(float[] a, float[] b) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    }
}
