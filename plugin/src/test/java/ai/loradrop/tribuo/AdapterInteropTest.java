/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.io.Sha256;
import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.AdapterLabels;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.text.Encoding;
import ai.loradrop.tribuo.data.TextExamples;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluator;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model's exports (merged ONNX, PEFT adapter folder), {@link LoraDropModel#fromAdapter} and the trainer's
 * {@code initialAdapterPath}, on the tiny encoder and keyword task. One model is trained for the whole class.
 */
class AdapterInteropTest {
    @TempDir
    static Path dir;
    static TinyFixture f;
    static MutableDataset<Label> train;
    static MutableDataset<Label> test;
    static LoraDropModel model;
    static Path adapter;

    @BeforeAll
    static void trainAndExport() throws Exception {
        f = new TinyFixture(dir);
        train = TinyFixture.dataset(20, 1);
        test = TinyFixture.dataset(10, 2);
        model = f.trainer().epochs(12).learningRate(2e-2).build().train(train);
        adapter = dir.resolve("adapter");
        model.exportAdapter(adapter, AdapterExportOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The model's label names in id order. */
    static List<String> labelsInIdOrder(Model<Label> m) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < m.getOutputIDInfo().size(); i++) {
            l.add(m.getOutputIDInfo().getOutput(i).getLabel());
        }
        return l;
    }

    /** Probabilities {@code [example][class id]} of a model's predictions. */
    static double[][] probabilities(Model<Label> m, List<Prediction<Label>> predictions) {
        List<String> labels = labelsInIdOrder(m);
        double[][] out = new double[predictions.size()][labels.size()];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < labels.size(); j++) {
                out[i][j] = predictions.get(i).getOutputScores().get(labels.get(j)).getScore();
            }
        }
        return out;
    }

    /** Runs the exported file in a plain ONNX Runtime session on texts padded to one length: {@code [n][C]}. */
    static float[][] runExported(Path onnx, LoraDropModel m, List<String> texts) throws Exception {
        List<Encoding> enc = new ArrayList<>();
        int seq = 0;
        for (String t : texts) {
            Encoding e = m.getTokenizer().encode(t, m.getMaxLength());
            enc.add(e);
            seq = Math.max(seq, e.length());
        }
        int n = texts.size();
        long[] ids = new long[n * seq];
        long[] mask = new long[n * seq];
        long[] types = new long[n * seq];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < seq; j++) {
                boolean real = j < enc.get(i).length();
                ids[i * seq + j] = real ? enc.get(i).inputId(j) : m.getTokenizer().padId();
                mask[i * seq + j] = real ? 1 : 0;
                types[i * seq + j] = real ? enc.get(i).typeId(j) : 0;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
             OrtSession s = env.createSession(onnx.toString(), o)) {
            Map<String, OnnxTensor> feeds = new HashMap<>();
            long[] shape = {n, seq};
            try {
                feeds.put("input_ids", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape));
                feeds.put("attention_mask", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(mask), shape));
                if (s.getInputNames().contains("token_type_ids")) {
                    feeds.put("token_type_ids", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(types), shape));
                }
                try (OrtSession.Result r = s.run(feeds)) {
                    return (float[][]) r.get("probabilities").orElseThrow().getValue();
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
    }

    static List<String> texts(MutableDataset<Label> d) {
        List<String> out = new ArrayList<>();
        for (Example<Label> e : d) {
            out.add(TextExamples.text(e, TextExamples.DEFAULT_TEXT_KEY).orElseThrow());
        }
        return out;
    }

    static void assertClose(double[][] want, float[][] got, double tol, String what) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i].length, got[i].length);
            for (int j = 0; j < want[i].length; j++) {
                assertEquals(want[i][j], got[i][j], tol, what + ": example " + i + " class " + j);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- merged ONNX

    @Test
    void mergedOnnxGivesTheModelsProbabilitiesAndCarriesProvenanceAndLabels() throws Exception {
        Path file = dir.resolve("merged.onnx");
        model.exportOnnx(file);
        float[][] got = runExported(file, model, texts(test));
        double[][] want = probabilities(model, model.predict(test));
        assertClose(want, got, 1e-5, "merged ONNX vs Tribuo model");
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(file.toString(), new OrtSession.SessionOptions())) {
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            ObjectProvenance back = ONNXExportable.SERIALIZER.deserializeAndUnmarshal(meta.get(MergedOnnxExport.TRIBUO_PROVENANCE));
            assertEquals(model.getProvenance(), back, "TRIBUO_PROVENANCE is the model's provenance, as Tribuo serializes it");
            assertEquals(new ObjectMapper().writeValueAsString(labelsInIdOrder(model)), meta.get(MergedOnnxExport.META_LABELS));
        }
    }

    @Test
    void mergedOnnxFoldsTheTemperatureIntoTheHead() throws Exception {
        try (LoraDropModel hot = model.withTemperature(2.5)) {
            Path file = dir.resolve("tempered.onnx");
            hot.exportOnnx(file);
            float[][] got = runExported(file, hot, texts(test));
            assertClose(probabilities(hot, hot.predict(test)), got, 1e-5, "tempered merged ONNX vs tempered model");
            double[][] cold = probabilities(model, model.predict(test));
            double maxDiff = 0;
            for (int i = 0; i < cold.length; i++) {
                for (int j = 0; j < cold[i].length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(cold[i][j] - got[i][j]));
                }
            }
            assertTrue(maxDiff > 1e-2, "the temperature changes the probabilities (max difference " + maxDiff + ")");
        }
    }

    // ------------------------------------------------------------------------------------------- PEFT folder

    @Test
    void adapterFolderHoldsPeftFilesAndLabels() throws Exception {
        for (String file : List.of(PeftAdapter.WEIGHTS_FILE, PeftAdapter.CONFIG_FILE, PeftAdapter.SIDECAR_FILE, AdapterLabels.FILE_NAME)) {
            assertTrue(Files.isRegularFile(adapter.resolve(file)), file);
        }
        JsonNode labels = new ObjectMapper().readTree(adapter.resolve(AdapterLabels.FILE_NAME).toFile());
        assertEquals(labelsInIdOrder(model), List.of(labels.get("labels").get(0).asText(), labels.get("labels").get(1).asText(),
                labels.get("labels").get(2).asText()));
        assertEquals(labelsInIdOrder(model).get(2), labels.get("id2label").get("2").asText());
        assertEquals(List.of(), List.copyOf(AdapterLabels.read(dir).orElse(List.of())), "no labels file in a folder without one");
    }

    @Test
    void adapterRoundTripPredictsTheSameAndRecordsItsOrigin() throws Exception {
        try (LoraDropModel back = LoraDropModel.fromAdapter(f.model, f.vocab, adapter, null, model.getMaxLength())) {
            assertEquals(labelsInIdOrder(model), labelsInIdOrder(back));
            assertArrayEquals(model.getParameters(), back.getParameters());
            assertEquals(model.getSpec().pooling(), back.getSpec().pooling());
            double[][] want = probabilities(model, model.predict(test));
            double[][] got = probabilities(back, back.predict(test));
            for (int i = 0; i < want.length; i++) {
                assertArrayEquals(want[i], got[i], 1e-6, "example " + i);
            }
            assertEquals(new LabelEvaluator().evaluate(model, test).accuracy(), new LabelEvaluator().evaluate(back, test).accuracy(), 0.0);

            String sha = Sha256.ofFile(adapter.resolve(PeftAdapter.WEIGHTS_FILE));
            AdapterSourceProvenance source = assertInstanceOf(AdapterSourceProvenance.class,
                    back.getProvenance().getDatasetProvenance().getSourceProvenance());
            assertEquals(sha, source.getSha256());
            assertEquals(adapter.toAbsolutePath().normalize().toString(), source.getAdapterPath());
            assertTrue(source.hasLoraDropSidecar());
            AdapterImportProvenance imported = assertInstanceOf(AdapterImportProvenance.class,
                    back.getProvenance().getTrainerProvenance());
            assertEquals(sha, imported.getAdapterSha256());
            assertEquals("labels-file", imported.getLabelsSource());
            assertEquals(Sha256.ofFile(f.model), imported.getBaseModelSha256());

            // Tribuo protobuf round trip keeps the import provenance and the predictions.
            Model<?> again = Model.deserialize(back.serialize());
            try (LoraDropModel m = assertInstanceOf(LoraDropModel.class, again)) {
                assertEquals(back.getProvenance(), m.getProvenance());
                double[][] again2 = probabilities(m, m.predict(test));
                for (int i = 0; i < got.length; i++) {
                    assertArrayEquals(got[i], again2[i], 0.0, "example " + i + " after protobuf");
                }
            }
            // The merged export of an imported model carries the import provenance.
            Path file = dir.resolve("imported.onnx");
            back.exportOnnx(file);
            assertClose(got, runExported(file, back, texts(test)), 1e-5, "merged ONNX of the imported model");
        }
    }

    /** Examples whose texts run far past a short maximum length; with {@code pairs}, each has a second text too. */
    static MutableDataset<Label> longExamples(int perClass, long seed, boolean pairs) {
        java.util.Random rnd = new java.util.Random(seed);
        MutableDataset<Label> d = new MutableDataset<>(new org.tribuo.provenance.SimpleDataSourceProvenance("long texts " + seed,
                new org.tribuo.classification.LabelFactory()), new org.tribuo.classification.LabelFactory());
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < TinyFixture.CLASSES.size(); c++) {
                String text = TinyFixture.text(c, rnd) + " " + TinyFixture.text(rnd.nextInt(3), rnd);
                Label label = new Label(TinyFixture.CLASSES.get(c));
                d.add(pairs ? TextExamples.of(text, TinyFixture.text(rnd.nextInt(3), rnd), label, 1f) : TextExamples.of(text, label));
            }
        }
        return d;
    }

    /**
     * Issue 12, defect 6: a PEFT export and import gives the exported model's predictions, also on texts longer than
     * its maximum length and on sentence pairs: the sidecar records the maximum length and the pair key, and the
     * import (maximum length 0: as recorded) applies them. An import at another length (the command line used 128;
     * the tiny encoder has 64 positions) predicts otherwise, which shows the texts are long enough for the test to
     * fail for that reason.
     */
    @Test
    void peftExportImportRoundTripKeepsMaxLengthAndPairs() throws Exception {
        for (boolean pairs : List.of(false, true)) {
            MutableDataset<Label> data = longExamples(8, pairs ? 3 : 4, pairs);
            MutableDataset<Label> check = longExamples(4, 5, pairs);
            LoraDropTrainer.Builder b = f.trainer().maxLength(pairs ? 10 : 8).epochs(3);
            if (pairs) {
                b.pairKey(TextExamples.DEFAULT_PAIR_KEY);
            }
            try (LoraDropModel m = b.build().train(data)) {
                Path d = dir.resolve(pairs ? "pair-adapter" : "short-adapter");
                m.exportAdapter(d, AdapterExportOptions.defaults());
                JsonNode input = new ObjectMapper().readTree(d.resolve(PeftAdapter.SIDECAR_FILE).toFile()).get("input");
                assertEquals(m.getMaxLength(), input.get("max_length").asInt());
                assertEquals(pairs ? TextExamples.DEFAULT_PAIR_KEY : null, input.get("pair_key").isNull() ? null : input.get("pair_key").asText());
                double[][] want = probabilities(m, m.predict(check));
                try (LoraDropModel back = LoraDropModel.fromAdapter(f.model, f.vocab, d, null, 0)) {
                    assertEquals(m.getMaxLength(), back.getMaxLength());
                    assertEquals(m.getPairKey(), back.getPairKey());
                    double[][] got = probabilities(back, back.predict(check));
                    for (int i = 0; i < want.length; i++) {
                        assertArrayEquals(want[i], got[i], 0.0, (pairs ? "pair " : "text ") + i);
                    }
                }
                try (LoraDropModel longer = LoraDropModel.fromAdapter(f.model, f.vocab, d, null, 64)) {
                    double[][] other = probabilities(longer, longer.predict(check));
                    double diff = 0;
                    for (int i = 0; i < want.length; i++) {
                        for (int j = 0; j < want[i].length; j++) {
                            diff = Math.max(diff, Math.abs(want[i][j] - other[i][j]));
                        }
                    }
                    assertTrue(diff > 1e-3, "another maximum length changes the predictions of these texts: " + diff);
                }
                if (!pairs) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraDropModel.fromAdapter(f.model,
                            f.vocab, d, null, 0, AdapterImportOptions.defaults().withPairKey(TextExamples.DEFAULT_PAIR_KEY)));
                    assertTrue(e.getMessage().contains("classifies single texts"), e.getMessage());
                }
            }
        }
    }

    @Test
    void labelsComeFromTheArgumentTheFileOrTheClassIndex() throws Exception {
        Path bare = dir.resolve("bare-adapter");
        model.exportAdapter(bare, AdapterExportOptions.defaults().withHeadKeys(ai.loradrop.interop.HeadKeyStyle.BARE));
        Files.delete(bare.resolve(AdapterLabels.FILE_NAME));
        try (LoraDropModel m = LoraDropModel.fromAdapter(f.model, f.vocab, bare, null, 16)) {
            assertEquals(List.of("0", "1", "2"), labelsInIdOrder(m));
            assertEquals("class-index", ((AdapterImportProvenance) m.getProvenance().getTrainerProvenance()).getLabelsSource());
            // Same head rows, so class i of the import is label i of the original.
            LoraDropPrediction p = m.predict("the dog runs");
            assertEquals(Integer.toString(model.getOutputIDInfo().getID(new Label("animal"))), p.getOutput().getLabel());
        }
        try (LoraDropModel m = LoraDropModel.fromAdapter(f.model, f.vocab, bare, List.of("x", "y", "z"), 16)) {
            assertEquals(List.of("x", "y", "z"), labelsInIdOrder(m));
        }
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> LoraDropModel.fromAdapter(f.model, f.vocab, bare, List.of("x", "y"), 16));
        assertTrue(count.getMessage().contains("2 labels") && count.getMessage().contains("3 classes"), count.getMessage());
        IllegalArgumentException repeated = assertThrows(IllegalArgumentException.class,
                () -> LoraDropModel.fromAdapter(f.model, f.vocab, bare, List.of("x", "y", "x"), 16));
        assertTrue(repeated.getMessage().contains("'x' appears twice"), repeated.getMessage());
        assertThrows(NoSuchFileException.class, () -> LoraDropModel.fromAdapter(f.model, f.vocab, dir.resolve("nope"), null, 16));
    }

    @Test
    void aLabelsFileThatDisagreesWithTheHeadIsAnError() throws Exception {
        Path d = dir.resolve("bad-labels");
        model.exportAdapter(d, AdapterExportOptions.defaults());
        AdapterLabels.write(d, List.of("a", "b"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> LoraDropModel.fromAdapter(f.model, f.vocab, d, null, 16));
        assertTrue(e.getMessage().contains("2 labels") && e.getMessage().contains("3 classes"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------- initialAdapterPath

    @Test
    void trainingFromTheAdapterStartsAtItsParameters() {
        // A learning rate this small leaves the start unchanged (to float precision): what training began from.
        LoraDropModel m = f.trainer().initialAdapterPath(adapter).epochs(1).learningRate(1e-12).weightDecay(0).build().train(train);
        try (m) {
            assertArrayEquals(model.getParameters(), m.getParameters(), 1e-6f);
            assertEquals("adapter", instanceString(m, LoraDropTrainer.INITIAL_HEAD));
            LoraDropTrainerProvenance tp = (LoraDropTrainerProvenance) m.getProvenance().getTrainerProvenance();
            assertEquals(Sha256.ofFile(adapter.resolve(PeftAdapter.WEIGHTS_FILE)), tp.getInitialAdapterSha256().orElseThrow());
            assertTrue(tp.getConfiguredParameters().get("initialAdapterPath").toString().contains("adapter"),
                    tp.getConfiguredParameters().toString());
            // The optional instance value survives protobuf serialization.
            LoraDropModel again = (LoraDropModel) Model.deserialize(m.serialize());
            try (again) {
                assertEquals(m.getProvenance(), again.getProvenance());
            }
        }
    }

    @Test
    void trainingFromTheAdapterBeginsWithALowerLossThanFromScratch() {
        LoraDropModel scratch = f.trainer().epochs(1).build().train(train);
        LoraDropModel warm = f.trainer().epochs(1).initialAdapterPath(adapter).build().train(train);
        try (scratch; warm) {
            double s = firstLoss(scratch);
            double w = firstLoss(warm);
            assertTrue(w < 0.5 * s, "first-epoch loss from the adapter " + w + " vs from scratch " + s);
        }
    }

    @Test
    void headRowsFollowTheAdaptersLabelNames() throws Exception {
        Path d = dir.resolve("renamed");
        model.exportAdapter(d, AdapterExportOptions.defaults());
        List<String> ids = labelsInIdOrder(model);
        List<String> reversed = List.of(ids.get(2), ids.get(1), ids.get(0));
        AdapterLabels.write(d, reversed);  // row 0 of the head now claims to be the label of id 2, and so on
        int hidden = model.getEncoder().hiddenSize();
        ParameterLayout layout = new ParameterLayout(ai.loradrop.lora.LoraSurgery.select(model.getEncoder(), model.getSpec().lora()),
                model.getSpec().lora().rank(), hidden, 3);
        float[] w0 = layout.get(model.getParameters(), ParameterLayout.CLASSIFIER_WEIGHT);
        try (LoraDropModel m = f.trainer().initialAdapterPath(d).epochs(1).learningRate(1e-12).weightDecay(0).build().train(train)) {
            assertEquals("adapter-reordered", instanceString(m, LoraDropTrainer.INITIAL_HEAD));
            float[] w = layout.get(m.getParameters(), ParameterLayout.CLASSIFIER_WEIGHT);
            for (int id = 0; id < 3; id++) {
                int row = reversed.indexOf(ids.get(id));
                for (int k = 0; k < hidden; k++) {
                    assertEquals(w0[row * hidden + k], w[id * hidden + k], 1e-6f, "class " + id + " takes adapter row " + row);
                }
            }
        }
        AdapterLabels.write(d, List.of("x", "y", "z"));
        try (LoraDropModel m = f.trainer().initialAdapterPath(d).epochs(1).learningRate(1e-12).weightDecay(0).build().train(train)) {
            assertEquals("fresh", instanceString(m, LoraDropTrainer.INITIAL_HEAD));
            float[] w = layout.get(m.getParameters(), ParameterLayout.CLASSIFIER_WEIGHT);
            double diff = 0;
            for (int k = 0; k < w.length; k++) {
                diff = Math.max(diff, Math.abs(w[k] - w0[k]));
            }
            assertTrue(diff > 1e-2, "a fresh head differs from the adapter's");
            String a0 = layout.entries().get(0).name();
            assertArrayEquals(layout.get(model.getParameters(), a0), layout.get(m.getParameters(), a0), 1e-6f, "LoRA still from the adapter");
        }
    }

    @Test
    void anAdapterOfAnotherRankOrOtherTargetsIsRejected() {
        PropertyException rank = assertThrows(PropertyException.class, () -> f.trainer().rank(8).initialAdapterPath(adapter).build());
        assertEquals("initialAdapterPath", rank.getProperty());
        assertTrue(rank.getMessage().contains("rank 4") && rank.getMessage().contains("rank is 8"), rank.getMessage());
        IllegalArgumentException targets = assertThrows(IllegalArgumentException.class,
                () -> f.trainer().targetModules(List.of("query")).initialAdapterPath(adapter).epochs(1).build().train(train));
        assertTrue(targets.getMessage().startsWith("initialAdapterPath") && targets.getMessage().contains("value")
                && targets.getMessage().contains("[query]"), targets.getMessage());
        PropertyException missing = assertThrows(PropertyException.class,
                () -> f.trainer().initialAdapterPath(dir.resolve("missing")).build());
        assertEquals("initialAdapterPath", missing.getProperty());
        PropertyException notAdapter = assertThrows(PropertyException.class, () -> f.trainer().initialAdapterPath(dir).build());
        assertTrue(notAdapter.getMessage().contains(PeftAdapter.CONFIG_FILE), notAdapter.getMessage());
    }

    @Test
    void adapterOfADropoutModelKeepsItsEnsemble() throws Exception {
        try (LoraDropModel ens = model.withEnsemble(3, 7)) {
            Path d = dir.resolve("ensemble");
            ens.exportAdapter(d, AdapterExportOptions.defaults());
            assertEquals(DropoutMode.SPARSE, model.getSpec().lora().dropoutMode());
            assertEquals(DropoutMode.SPARSE, ens.getSpec().lora().dropoutMode());
            try (LoraDropModel back = LoraDropModel.fromAdapter(f.model, f.vocab, d, null, 16)) {
                assertEquals(3, back.getEnsembleSize());
                assertEquals(7, back.getEnsembleSeed());
                double[][] want = probabilities(ens, ens.predict(test));
                double[][] got = probabilities(back, back.predict(test));
                for (int i = 0; i < want.length; i++) {
                    assertArrayEquals(want[i], got[i], 1e-6, "example " + i);
                }
            }
        }
    }

    private static String instanceString(LoraDropModel m, String key) {
        return ((StringProvenance) m.getProvenance().getInstanceProvenance().getMap().get(key)).getValue();
    }

    @SuppressWarnings("unchecked")
    private static double firstLoss(LoraDropModel m) {
        return ProvenanceUtil.unwrap((ListProvenance<DoubleProvenance>) m.getProvenance().getInstanceProvenance().getMap()
                .get(LoraDropTrainer.TRAIN_LOSS)).get(0);
    }
}
