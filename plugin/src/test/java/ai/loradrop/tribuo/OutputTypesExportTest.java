/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.AdapterLabels;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.OnnxChecker;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.text.Encoding;
import ai.loradrop.text.Tokenizer;
import ai.loradrop.tribuo.data.TextExamples;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.multilabel.MultiLabelFactory;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Merged ONNX export and PEFT adapter export/import of the multi-label and regression models, on the tiny encoder
 * and keyword task: the merged model in plain ONNX Runtime gives the model's own deterministic outputs (per-label
 * sigmoids; regression values in the targets' original units, the training standardisation folded into the head),
 * passes the reference ONNX checker and records the problem type, names and Tribuo provenance; an exported adapter
 * imports back to the same predictions; an adapter of another problem type is refused, naming the file and the type.
 */
class OutputTypesExportTest {
    private static final double TOL = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Regression dimensions, given out of natural (alphabetical) order. */
    private static final String[] DIMS = {"weighted", "length"};

    @TempDir
    static Path dir;
    static TinyFixture f;
    static LoraDropMultiLabelModel multiLabel;
    static LoraDropRegressionModel regression;
    static List<String> texts;

    /** A text with the keywords of {@code mask}'s bits among 3 to 6 fillers. */
    private static String text(int mask, Random rnd) {
        List<String> words = new ArrayList<>();
        for (int i = 0, n = 3 + rnd.nextInt(4); i < n; i++) {
            words.add(TinyFixture.FILLERS.get(rnd.nextInt(TinyFixture.FILLERS.size())));
        }
        for (int k = 0; k < 3; k++) {
            if ((mask & (1 << k)) != 0) {
                words.add(rnd.nextInt(words.size() + 1), TinyFixture.KEYWORDS.get(k));
            }
        }
        return String.join(" ", words);
    }

    private static Example<MultiLabel> multiLabelExample(String text, int mask) {
        Set<Label> labels = new LinkedHashSet<>();
        for (int k = 0; k < 3; k++) {
            if ((mask & (1 << k)) != 0) {
                labels.add(new Label(TinyFixture.CLASSES.get(k)));
            }
        }
        return TextExamples.withMetadata(new MultiLabel(labels), 1f, Map.of(TextExamples.DEFAULT_TEXT_KEY, text));
    }

    /** Targets far from mean 0 and deviation 1, so a missing fold of the standardisation shows. */
    private static Example<Regressor> regressionExample(String text, int mask) {
        double weighted = 50 + 10 * ((mask & 1) != 0 ? 1 : 0) + 20 * ((mask & 2) != 0 ? 1 : 0) + 40 * ((mask & 4) != 0 ? 1 : 0);
        double length = -20 + 3 * text.split(" ").length;
        return TextExamples.withMetadata(new Regressor(DIMS, new double[]{weighted, length}), 1f,
                Map.of(TextExamples.DEFAULT_TEXT_KEY, text));
    }

    @BeforeAll
    static void train() throws Exception {
        f = new TinyFixture(dir);
        Random rnd = new Random(7);
        MutableDataset<MultiLabel> ml = new MutableDataset<>(new SimpleDataSourceProvenance("tiny multi-label",
                new MultiLabelFactory()), new MultiLabelFactory());
        MutableDataset<Regressor> reg = new MutableDataset<>(new SimpleDataSourceProvenance("tiny regression",
                new RegressionFactory()), new RegressionFactory());
        for (int copy = 0; copy < 6; copy++) {
            for (int mask = 1; mask < 8; mask++) {
                String t = text(mask, rnd);
                ml.add(multiLabelExample(t, mask));
                reg.add(regressionExample(t, mask));
            }
        }
        texts = new ArrayList<>();
        for (int mask = 0; mask < 8; mask++) {
            texts.add(text(mask, rnd));
        }
        multiLabel = LoraDropMultiLabelTrainer.builder(f.model, f.vocab).set("maxLength", 16).set("rank", 4).set("alpha", 8.0)
                .set("epochs", 3).set("batchSize", 8).set("learningRate", 2e-2).set("warmupFraction", 0.0).set("threads", 1)
                .set("logIntervalSeconds", 60.0).threshold(0.4).build().train(ml);
        regression = LoraDropRegressionTrainer.builder(f.model, f.vocab).set("maxLength", 16).set("rank", 4).set("alpha", 8.0)
                .set("epochs", 3).set("batchSize", 8).set("learningRate", 2e-2).set("warmupFraction", 0.0).set("threads", 1)
                .set("logIntervalSeconds", 60.0).build().train(reg);
    }

    @AfterAll
    static void close() {
        multiLabel.close();
        regression.close();
    }

    private static <T extends org.tribuo.Output<T>> List<Example<T>> examples(T unknown) {
        List<Example<T>> out = new ArrayList<>();
        for (String t : texts) {
            out.add(TextExamples.withMetadata(unknown, 1f, Map.of(TextExamples.DEFAULT_TEXT_KEY, t)));
        }
        return out;
    }

    /** Each label's probability in the predictions' output scores, {@code [example][label id]}. */
    private static double[][] scores(LoraDropMultiLabelModel m, List<Prediction<MultiLabel>> predictions) {
        double[][] out = new double[predictions.size()][m.getOutputIDInfo().size()];
        for (int i = 0; i < out.length; i++) {
            for (int id = 0; id < out[i].length; id++) {
                String name = m.getOutputIDInfo().getOutput(id).getLabelString();
                out[i][id] = predictions.get(i).getOutputScores().get(name).getLabelScore(new Label(name)).orElseThrow();
            }
        }
        return out;
    }

    /** The predicted values {@code [example][dimension]}, dimensions in {@code names} order. */
    private static double[][] values(List<Prediction<Regressor>> predictions, List<String> names) {
        double[][] out = new double[predictions.size()][names.size()];
        for (int i = 0; i < out.length; i++) {
            Regressor r = predictions.get(i).getOutput();
            List<String> have = List.of(r.getNames());
            for (int j = 0; j < names.size(); j++) {
                out[i][j] = r.getValues()[have.indexOf(names.get(j))];
            }
        }
        return out;
    }

    /** Runs an exported file in a plain ONNX Runtime session on texts padded to one length. */
    static Map<String, float[][]> run(Path onnx, Tokenizer tokenizer, int maxLength, List<String> texts) throws Exception {
        List<Encoding> enc = new ArrayList<>();
        int seq = 0;
        for (String t : texts) {
            Encoding e = tokenizer.encode(t, maxLength);
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
                ids[i * seq + j] = real ? enc.get(i).inputId(j) : tokenizer.padId();
                mask[i * seq + j] = real ? 1 : 0;
                types[i * seq + j] = real ? enc.get(i).typeId(j) : 0;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, float[][]> out = new HashMap<>();
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
                    for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                        out.put(e.getKey(), (float[][]) e.getValue().getValue());
                    }
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
        return out;
    }

    private static void assertClose(double[][] want, float[][] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i].length, got[i].length, what);
            for (int j = 0; j < want[i].length; j++) {
                assertEquals(want[i][j], got[i][j], tol, what + ": example " + i + " output " + j);
            }
        }
    }

    private static void assertClose(double[][] want, double[][] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i], got[i], tol, what + ": example " + i);
        }
    }

    private static Map<String, String> metadata(OnnxMl.ModelProto m) {
        Map<String, String> meta = new HashMap<>();
        m.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
        return meta;
    }

    private static List<String> jsonList(String json) throws IOException {
        List<String> out = new ArrayList<>();
        JSON.readTree(json).forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void multiLabelMergedOnnxGivesTheModelsSigmoids() throws Exception {
        Path file = dir.resolve("multilabel.onnx");
        OnnxMl.ModelProto proto = multiLabel.exportOnnx(file);
        List<Prediction<MultiLabel>> predictions = multiLabel.predict(examples(MultiLabelFactory.UNKNOWN_MULTILABEL));
        double[][] want = scores(multiLabel, predictions);
        Map<String, float[][]> got = run(file, multiLabel.getTokenizer(), multiLabel.getMaxLength(), texts);
        assertEquals(Set.of("logits", "probabilities"), got.keySet());
        assertClose(want, got.get("probabilities"), TOL, "ONNX probabilities vs the model's label scores");
        // Sigmoid, not softmax: each probability is the logistic of its logit, and rows do not sum to 1.
        float[][] logits = got.get("logits");
        boolean notSoftmax = false;
        for (int i = 0; i < logits.length; i++) {
            double sum = 0;
            for (int j = 0; j < logits[i].length; j++) {
                assertEquals(1 / (1 + Math.exp(-logits[i][j])), got.get("probabilities")[i][j], 1e-5);
                sum += got.get("probabilities")[i][j];
            }
            notSoftmax |= Math.abs(sum - 1) > 0.05;
        }
        assertTrue(notSoftmax, "some row's probabilities do not sum to 1");

        Map<String, String> meta = metadata(proto);
        assertEquals("multi_label_classification", meta.get(MergedOnnxExport.META_PROBLEM_TYPE));
        assertEquals(exportNames(multiLabel),
                jsonList(meta.get(MergedOnnxExport.META_LABELS)));
        assertEquals("logits,probabilities", meta.get(MergedOnnxExport.META_OUTPUTS));
        ModelProvenance p = (ModelProvenance) ONNXExportable.SERIALIZER.deserializeAndUnmarshal(meta.get(MergedOnnxExport.TRIBUO_PROVENANCE));
        assertEquals(multiLabel.getProvenance(), p, "the model's Tribuo provenance");
        OnnxChecker.assertValid(file);
    }

    @Test
    void multiLabelTemperaturesAreFoldedIntoTheMergedHead() throws Exception {
        double[] t = new double[multiLabel.getOutputIDInfo().size()];
        for (int id = 0; id < t.length; id++) {
            t[id] = 0.5 + id;
        }
        try (LoraDropMultiLabelModel tempered = multiLabel.withTemperatures(
                ai.loradrop.calibration.MultiLabelTemperatureScaling.perLabel(t))) {
            Path file = dir.resolve("multilabel-tempered.onnx");
            tempered.exportOnnx(file);
            double[][] want = scores(tempered, tempered.predict(examples(MultiLabelFactory.UNKNOWN_MULTILABEL)));
            double[][] untempered = scores(multiLabel, multiLabel.predict(examples(MultiLabelFactory.UNKNOWN_MULTILABEL)));
            assertTrue(Math.abs(want[0][0] - untempered[0][0]) > 1e-4, "the temperatures change the probabilities");
            assertClose(want, run(file, tempered.getTokenizer(), tempered.getMaxLength(), texts).get("probabilities"), TOL,
                    "ONNX probabilities vs the tempered model's label scores");
        }
    }

    @Test
    void regressionMergedOnnxPredictsInTheTargetsUnits() throws Exception {
        double[] std = regression.getTargetStandardDeviations();
        double[] mean = regression.getTargetMeans();
        for (int i = 0; i < std.length; i++) {
            assertTrue(std[i] > 1.5 || Math.abs(mean[i]) > 1.5, "targets are not standard already: mean " + mean[i] + " std " + std[i]);
        }
        Path file = dir.resolve("regression.onnx");
        OnnxMl.ModelProto proto = regression.exportOnnx(file);
        Map<String, String> meta = metadata(proto);
        List<String> names = jsonList(meta.get(MergedOnnxExport.META_LABELS));
        assertEquals(Set.of(DIMS), Set.copyOf(names));
        double[][] want = values(regression.predict(examples(RegressionFactory.UNKNOWN_REGRESSOR)), names);
        Map<String, float[][]> got = run(file, regression.getTokenizer(), regression.getMaxLength(), texts);
        assertEquals(Set.of(MergedOnnxExport.PREDICTIONS), got.keySet(), "one output, the predictions");
        assertClose(want, got.get(MergedOnnxExport.PREDICTIONS), TOL * Math.max(1, want[0][0]), "ONNX predictions vs the model's");
        assertEquals("regression", meta.get(MergedOnnxExport.META_PROBLEM_TYPE));
        assertEquals(MergedOnnxExport.PREDICTIONS, meta.get(MergedOnnxExport.META_OUTPUTS));
        ModelProvenance p = (ModelProvenance) ONNXExportable.SERIALIZER.deserializeAndUnmarshal(meta.get(MergedOnnxExport.TRIBUO_PROVENANCE));
        assertEquals(regression.getProvenance(), p, "the model's Tribuo provenance");
        assertEquals(2, proto.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
        OnnxChecker.assertValid(file);
    }

    private static List<String> exportNames(LoraDropMultiLabelModel m) {
        List<String> out = new ArrayList<>();
        for (int id = 0; id < m.getOutputIDInfo().size(); id++) {
            out.add(m.getOutputIDInfo().getOutput(id).getLabelString());
        }
        return out;
    }

    @Test
    void multiLabelAdapterRoundTrips() throws Exception {
        Path adapter = dir.resolve("ml-adapter");
        multiLabel.exportAdapter(adapter, AdapterExportOptions.defaults());
        JsonNode sidecar = JSON.readTree(adapter.resolve(PeftAdapter.SIDECAR_FILE).toFile());
        assertEquals("multi_label_classification", sidecar.get("problem_type").asText());
        assertEquals(0.4, sidecar.get("threshold").asDouble(), 0.0);
        assertEquals(3, sidecar.get("format_version").asInt());
        assertEquals(exportNames(multiLabel), AdapterLabels.read(adapter).orElseThrow());

        List<Example<MultiLabel>> ex = examples(MultiLabelFactory.UNKNOWN_MULTILABEL);
        List<Prediction<MultiLabel>> want = multiLabel.predict(ex);
        try (LoraDropMultiLabelModel back = LoraDropMultiLabelModel.fromAdapter(f.model, f.vocab, adapter, null, 0,
                AdapterImportOptions.defaults())) {
            assertEquals(0.4, back.getThreshold(), 0.0, "the recorded threshold");
            List<Prediction<MultiLabel>> got = back.predict(ex);
            assertClose(scores(multiLabel, want), scores(back, got), 1e-6, "imported label scores");
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).getOutput().getNameSet(), got.get(i).getOutput().getNameSet(), "example " + i);
            }
        }
        try (LoraDropMultiLabelModel back = LoraDropMultiLabelModel.fromAdapter(f.model, f.vocab, adapter, null, 0,
                AdapterImportOptions.defaults().withThreshold(0.7))) {
            assertEquals(0.7, back.getThreshold(), 0.0, "the option's threshold wins");
        }
    }

    @Test
    void regressionAdapterRoundTripsInTheTargetsUnits() throws Exception {
        Path adapter = dir.resolve("reg-adapter");
        regression.exportAdapter(adapter, AdapterExportOptions.defaults());
        JsonNode sidecar = JSON.readTree(adapter.resolve(PeftAdapter.SIDECAR_FILE).toFile());
        assertEquals("regression", sidecar.get("problem_type").asText());
        assertEquals(2, sidecar.get("target").get("mean").size());

        List<String> names = List.of(DIMS);
        List<Example<Regressor>> ex = examples(RegressionFactory.UNKNOWN_REGRESSOR);
        double[][] want = values(regression.predict(ex), names);
        try (LoraDropRegressionModel back = LoraDropRegressionModel.fromAdapter(f.model, f.vocab, adapter, null, 0,
                AdapterImportOptions.defaults())) {
            assertClose(want, values(back.predict(ex), names), 1e-4, "imported predictions in the targets' units");
        }
        // Names given in another order than the adapter's rows: the head follows the names.
        List<String> rows = AdapterLabels.read(adapter).orElseThrow();
        List<String> swapped = List.of(rows.get(1), rows.get(0));
        try (LoraDropRegressionModel renamed = LoraDropRegressionModel.fromAdapter(f.model, f.vocab, adapter, swapped, 0,
                AdapterImportOptions.defaults())) {
            double[][] got = values(renamed.predict(ex), swapped);
            assertClose(values(regression.predict(ex), rows), got, 1e-4, "row i predicts the name given for row i");
        }
    }

    @Test
    void anAdapterOfAnotherProblemTypeIsRefused() throws Exception {
        Path ml = dir.resolve("ml-wrong");
        Path reg = dir.resolve("reg-wrong");
        multiLabel.exportAdapter(ml, AdapterExportOptions.defaults());
        regression.exportAdapter(reg, AdapterExportOptions.defaults());
        IOException e = assertThrows(IOException.class, () -> LoraDropRegressionModel.fromAdapter(f.model, f.vocab, ml, null, 0,
                AdapterImportOptions.defaults()));
        assertTrue(e.getMessage().contains(ml.toAbsolutePath().normalize().toString())
                && e.getMessage().contains("multi_label_classification") && e.getMessage().contains("LoraDropMultiLabelModel.fromAdapter"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> LoraDropModel.fromAdapter(f.model, f.vocab, reg, null, 0));
        assertTrue(e.getMessage().contains(reg.toAbsolutePath().normalize().toString()) && e.getMessage().contains("'regression'"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> LoraDropMultiLabelModel.fromAdapter(f.model, f.vocab, reg, null, 0,
                AdapterImportOptions.defaults()));
        assertTrue(e.getMessage().contains("regression") && e.getMessage().contains("LoraDropRegressionModel.fromAdapter"), e.getMessage());
        // A classifier's adapter of the older format (no problem_type) is single-label: refused as multi-label.
        try (LoraDropModel c = f.trainer().epochs(1).build().train(TinyFixture.dataset(4, 1))) {
            Path cls = dir.resolve("cls-adapter");
            c.exportAdapter(cls, AdapterExportOptions.defaults());
            Path sc = cls.resolve(PeftAdapter.SIDECAR_FILE);
            String old = Files.readString(sc).replaceAll("\\s*\"problem_type\": \"single_label_classification\",", "")
                    .replaceAll("\\s*\"head_loss\": \"SOFTMAX_CROSS_ENTROPY\",", "")
                    .replaceAll("\\s*\"threshold\": null,", "").replaceAll("\\s*\"target\": null,", "")
                    .replace("\"format_version\": 3", "\"format_version\": 2");
            assertNotEquals(Files.readString(sc), old);
            Files.writeString(sc, old);
            try (LoraDropModel back = LoraDropModel.fromAdapter(f.model, f.vocab, cls, null, 0)) {
                assertEquals(3, back.getOutputIDInfo().size(), "a format-2 classifier adapter still imports");
            }
            e = assertThrows(IOException.class, () -> LoraDropMultiLabelModel.fromAdapter(f.model, f.vocab, cls, null, 0,
                    AdapterImportOptions.defaults()));
            assertTrue(e.getMessage().contains("single_label_classification") && e.getMessage().contains(PeftAdapter.SIDECAR_FILE),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> LoraDropRegressionModel.fromAdapter(f.model, f.vocab, reg, null, 0,
                AdapterImportOptions.defaults().withThreshold(0.3)), "a threshold is for multi-label imports");
    }
}
