/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.interop.AdapterLabels;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.text.Encoding;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.LoraDropTrainerProvenance;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.ONNXExportable;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code export}, {@code --peft} on {@code predict}, {@code evaluate} and {@code train}, and their errors, on the tiny
 * test encoder and the keyword task of {@link TinyModelCliTest}. One model is trained and exported for the class.
 */
class ExportCliTest {
    @TempDir
    static Path dir;
    static Path encoderDir;
    static Path train;
    static Path test;
    static Path model;
    static Path onnx;
    static Path adapter;
    static CliRun exported;

    static final List<String> TINY = List.of("--max-length", "16", "--rank", "4", "--alpha", "8", "--batch-size", "8",
            "--learning-rate", "1e-2", "--warmup-fraction", "0", "--threads", "1");

    @BeforeAll
    static void trainAndExport() throws IOException {
        encoderDir = TinyModelCliTest.writeTinyEncoder(dir.resolve("tiny-encoder"));
        train = TinyModelCliTest.writeCsv(dir.resolve("train.csv"), 20, 1);
        test = TinyModelCliTest.writeCsv(dir.resolve("test.csv"), 10, 2);
        model = dir.resolve("tiny.tribuo");
        CliRun trained = CliRun.of(args("train", "--train", train.toString(), "--base-model", encoderDir.toString(),
                "--epochs", "10", "--dropout-mode", "INPUT", "--dropout", "0.1", "--output", model.toString()));
        assertEquals(0, trained.code(), trained.toString());
        onnx = dir.resolve("tiny-merged.onnx");
        adapter = dir.resolve("tiny-adapter");
        exported = CliRun.of("export", "--model", model.toString(), "--onnx", onnx.toString(), "--peft", adapter.toString());
    }

    static String[] args(String... head) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(TINY);
        return all.toArray(new String[0]);
    }

    static List<String> testTexts() throws IOException {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(test).subList(1, Files.readAllLines(test).size())) {
            texts.add(line.split(",", 3)[2]);
        }
        return texts;
    }

    @Test
    void exportWritesAMergedOnnxModelWithTheModelsProbabilities() throws Exception {
        assertEquals(0, exported.code(), exported.toString());
        assertTrue(exported.out().contains("Merged ONNX classifier written to " + onnx), exported.out());
        assertTrue(exported.out().contains("PEFT adapter written to " + adapter), exported.out());
        List<String> texts = testTexts();
        try (LoraDropModel m = SavedModel.load(model)) {
            List<String> labels = AdapterModel.labels(m);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
                Map<String, String> meta = s.getMetadata().getCustomMetadata();
                assertEquals(m.getProvenance(), ONNXExportable.SERIALIZER.deserializeAndUnmarshal(meta.get(MergedOnnxExport.TRIBUO_PROVENANCE)));
                assertEquals(new ObjectMapper().writeValueAsString(labels), meta.get(MergedOnnxExport.META_LABELS));
                // One text per call: no padding, as a serving system would send a single request.
                for (String text : texts) {
                    Encoding e = m.getTokenizer().encode(text, m.getMaxLength());
                    long[] ids = e.inputIdsAsLongs();
                    long[] mask = new long[ids.length];
                    java.util.Arrays.fill(mask, 1L);
                    Map<String, OnnxTensor> feeds = new HashMap<>();
                    try {
                        feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[]{1, ids.length}));
                        feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[]{1, ids.length}));
                        if (s.getInputNames().contains("token_type_ids")) {
                            feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]),
                                    new long[]{1, ids.length}));
                        }
                        try (OrtSession.Result r = s.run(feeds)) {
                            float[] p = ((float[][]) r.get("probabilities").orElseThrow().getValue())[0];
                            Map<String, Label> want = m.predict(text).getOutputScores();
                            for (int j = 0; j < labels.size(); j++) {
                                assertEquals(want.get(labels.get(j)).getScore(), p[j], 1e-5, text + " / " + labels.get(j));
                            }
                        }
                    } finally {
                        feeds.values().forEach(OnnxTensor::close);
                    }
                }
            }
        }
    }

    @Test
    void exportWritesThePeftFolderWithLabels() throws IOException {
        assertEquals(0, exported.code(), exported.toString());
        for (String f : List.of(PeftAdapter.WEIGHTS_FILE, PeftAdapter.CONFIG_FILE, PeftAdapter.SIDECAR_FILE, AdapterLabels.FILE_NAME)) {
            assertTrue(Files.isRegularFile(adapter.resolve(f)), f);
        }
        JsonNode config = new ObjectMapper().readTree(adapter.resolve(PeftAdapter.CONFIG_FILE).toFile());
        assertEquals(4, config.get("r").asInt());
        // --head-keys bare and --key-prefix change the key names.
        Path bare = dir.resolve("bare-adapter");
        CliRun r = CliRun.of("export", "--model", model.toString(), "--peft", bare.toString(), "--head-keys", "bare",
                "--key-prefix", "bert.", "--base-model-name", "tiny/encoder");
        assertEquals(0, r.code(), r.toString());
        String header = safetensorsHeader(bare.resolve(PeftAdapter.WEIGHTS_FILE));
        assertTrue(header.contains("\"classifier.weight\"") && !header.contains("base_model.model.classifier"), header);
        assertTrue(header.contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"), header);
        assertEquals("tiny/encoder", new ObjectMapper().readTree(bare.resolve(PeftAdapter.CONFIG_FILE).toFile())
                .get("base_model_name_or_path").asText());
    }

    private static String safetensorsHeader(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        long n = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(b, 8, (int) n, StandardCharsets.UTF_8);
    }

    @Test
    void predictWithThePeftFolderGivesTheModelsPredictions() throws IOException {
        assertEquals(0, exported.code(), exported.toString());
        Path fromModel = dir.resolve("from-model.csv");
        Path fromAdapter = dir.resolve("from-adapter.csv");
        CliRun a = CliRun.of("predict", "--model", model.toString(), "--input", test.toString(), "--output", fromModel.toString());
        CliRun b = CliRun.of("predict", "--peft", adapter.toString(), "--base-model", encoderDir.toString(), "--max-length", "16",
                "--input", test.toString(), "--output", fromAdapter.toString());
        assertEquals(0, a.code(), a.toString());
        assertEquals(0, b.code(), b.toString());
        List<String> want = Files.readAllLines(fromModel);
        assertEquals(31, want.size());
        assertEquals(want, Files.readAllLines(fromAdapter), "same labels, probabilities and uncertainties, to the printed digit");

        CliRun one = CliRun.of("predict", "--peft", adapter.toString(), "--base-model", encoderDir.toString(), "--max-length", "16",
                "--text", "the dog runs fast");
        assertEquals(0, one.code(), one.toString());
        assertEquals(CliRun.of("predict", "--model", model.toString(), "--text", "the dog runs fast").out(), one.out());
    }

    /**
     * Issue 12, defect 6, on the command line: {@code predict --peft} without {@code --max-length} reads the adapter
     * at the maximum length it was exported with (16 here), so texts longer than that get the saved model's
     * predictions; the old fixed default of 128 gave others.
     */
    @Test
    void predictWithThePeftFolderKeepsTheModelsMaxLengthOnLongTexts() throws IOException {
        assertEquals(0, exported.code(), exported.toString());
        java.util.Random rnd = new java.util.Random(9);
        List<String> lines = new ArrayList<>(List.of("id,text"));
        for (int i = 0; i < 12; i++) {
            StringBuilder t = new StringBuilder(TinyModelCliTest.text(i % 3, rnd));
            for (int k = 0; k < 4; k++) {
                t.append(' ').append(TinyModelCliTest.text(rnd.nextInt(3), rnd));
            }
            lines.add("long-" + i + "," + t);
        }
        Path input = Files.write(dir.resolve("long.csv"), lines, StandardCharsets.UTF_8);
        Path fromModel = dir.resolve("long-from-model.csv");
        Path fromAdapter = dir.resolve("long-from-adapter.csv");
        Path atOther = dir.resolve("long-at-64.csv");
        CliRun a = CliRun.of("predict", "--model", model.toString(), "--input", input.toString(), "--output", fromModel.toString());
        CliRun b = CliRun.of("predict", "--peft", adapter.toString(), "--base-model", encoderDir.toString(),
                "--input", input.toString(), "--output", fromAdapter.toString());
        CliRun c = CliRun.of("predict", "--peft", adapter.toString(), "--base-model", encoderDir.toString(), "--max-length", "64",
                "--input", input.toString(), "--output", atOther.toString());
        assertEquals(0, a.code(), a.toString());
        assertEquals(0, b.code(), b.toString());
        assertEquals(0, c.code(), c.toString());
        assertEquals(Files.readAllLines(fromModel), Files.readAllLines(fromAdapter), "the saved model's predictions, to the printed digit");
        assertFalse(Files.readAllLines(fromModel).equals(Files.readAllLines(atOther)), "the texts are longer than 16 tokens");
    }

    @Test
    void evaluateWithThePeftFolderGivesTheModelsMetrics() throws IOException {
        assertEquals(0, exported.code(), exported.toString());
        Path ra = dir.resolve("eval-model.json");
        Path rb = dir.resolve("eval-adapter.json");
        CliRun a = CliRun.of("evaluate", "--model", model.toString(), "--data", test.toString(), "--report", ra.toString());
        CliRun b = CliRun.of("evaluate", "--peft", adapter.toString(), "--base-model", encoderDir.toString(), "--max-length", "16",
                "--data", test.toString(), "--report", rb.toString());
        assertEquals(0, a.code(), a.toString());
        assertEquals(0, b.code(), b.toString());
        JsonNode ja = new ObjectMapper().readTree(ra.toFile()).get("deterministic");
        JsonNode jb = new ObjectMapper().readTree(rb.toFile()).get("deterministic");
        for (String k : List.of("accuracy", "macro_f1", "ece", "brier", "nll")) {
            assertEquals(ja.get(k).asDouble(), jb.get(k).asDouble(), 1e-9, k);
        }
        assertTrue(ja.get("accuracy").asDouble() > 0.8, "the tiny model learned the task: " + ja);
        JsonNode report = new ObjectMapper().readTree(rb.toFile());
        assertEquals(adapter.toAbsolutePath().toString(), report.get("adapter").asText());
    }

    @Test
    void trainFromThePeftFolderStartsWhereTheAdapterEnded() throws Exception {
        assertEquals(0, exported.code(), exported.toString());
        Path scratch = dir.resolve("scratch.tribuo");
        Path warm = dir.resolve("warm.tribuo");
        CliRun s = CliRun.of(args("train", "--train", train.toString(), "--base-model", encoderDir.toString(), "--epochs", "1", "--dropout-mode", "INPUT", "--dropout", "0.1",
                "--output", scratch.toString()));
        CliRun w = CliRun.of(args("train", "--train", train.toString(), "--base-model", encoderDir.toString(), "--epochs", "1", "--dropout-mode", "INPUT", "--dropout", "0.1",
                "--peft", adapter.toString(), "--output", warm.toString()));
        assertEquals(0, s.code(), s.toString());
        assertEquals(0, w.code(), w.toString());
        try (LoraDropModel ms = SavedModel.load(scratch); LoraDropModel mw = SavedModel.load(warm)) {
            double ls = firstLoss(ms);
            double lw = firstLoss(mw);
            assertTrue(lw < 0.5 * ls, "first-epoch loss from the adapter " + lw + " vs from scratch " + ls);
            LoraDropTrainerProvenance tp = (LoraDropTrainerProvenance) mw.getProvenance().getTrainerProvenance();
            assertEquals(sha256(adapter.resolve(PeftAdapter.WEIGHTS_FILE)), tp.getInitialAdapterSha256().orElseThrow());
            assertFalse(((LoraDropTrainerProvenance) ms.getProvenance().getTrainerProvenance()).getInitialAdapterSha256().isPresent());
        }
    }

    @SuppressWarnings("unchecked")
    private static double firstLoss(LoraDropModel m) {
        return ProvenanceUtil.unwrap((ListProvenance<DoubleProvenance>) m.getProvenance().getInstanceProvenance().getMap()
                .get(LoraDropTrainer.TRAIN_LOSS)).get(0);
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    private static void assertUsageError(CliRun r, String message, String usage) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(message), "expected '" + message + "' in\n" + r);
        assertTrue(r.err().contains("usage: " + usage), "expected the usage line of '" + usage + "' in\n" + r);
    }

    private static void assertFailure(CliRun r, String... messages) {
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        for (String m : messages) {
            assertTrue(r.err().contains(m), "expected '" + m + "' in\n" + r);
        }
        assertFalse(r.err().contains("usage:"), "a failure, not a usage error:\n" + r);
    }

    @Test
    void commandLineMistakesAreUsageErrors() throws IOException {
        String m = model.toString();
        assertUsageError(CliRun.of("export", "--model", m), "Give --onnx F.onnx, --peft DIR or both", "loradrop export");
        assertUsageError(CliRun.of("export", "--model", dir.resolve("none.tribuo").toString(), "--onnx", dir.resolve("x.onnx").toString()),
                "not found", "loradrop export");
        assertUsageError(CliRun.of("export", "--model", m, "--onnx", dir.resolve("no/such/x.onnx").toString()),
                "does not exist", "loradrop export");
        assertUsageError(CliRun.of("export", "--model", m, "--peft", dir.resolve("no/such/adapter").toString()),
                "does not exist", "loradrop export");
        assertUsageError(CliRun.of("export", "--model", m, "--peft", train.toString()), "is a file", "loradrop export");
        assertUsageError(CliRun.of("export", "--model", m, "--peft", dir.resolve("a").toString(), "--head-keys", "torch"),
                "--head-keys must be one of [PEFT, BARE]", "loradrop export");
        assertUsageError(CliRun.of("export", "--model", m, "--peft", dir.resolve("a").toString(), "--key-prefix", "bert"),
                "must end with '.'", "loradrop export");
        assertUsageError(CliRun.of("export", "--model", m, "--onnx", dir.resolve("y.onnx").toString(), "--head-keys", "bare"),
                "goes with --peft", "loradrop export");

        Path empty = Files.createDirectories(dir.resolve("empty-adapter"));
        assertUsageError(CliRun.of("predict", "--peft", dir.resolve("missing").toString(), "--text", "dog"),
                "adapter folder not found", "loradrop predict");
        assertUsageError(CliRun.of("predict", "--peft", empty.toString(), "--text", "dog"),
                "adapter_config.json is missing", "loradrop predict");
        assertUsageError(CliRun.of("predict", "--model", m, "--peft", adapter.toString(), "--text", "dog"),
                "Give either --model M or --peft DIR", "loradrop predict");
        assertUsageError(CliRun.of("predict", "--text", "dog"), "Give either --model M or --peft DIR", "loradrop predict");
        assertUsageError(CliRun.of("evaluate", "--model", m, "--labels", "a,b,c", "--data", test.toString()),
                "--labels goes with --peft", "loradrop evaluate");
        assertUsageError(CliRun.of("evaluate", "--peft", empty.toString(), "--data", test.toString()),
                "is missing", "loradrop evaluate");
        assertUsageError(CliRun.of(args("train", "--train", train.toString(), "--base-model", encoderDir.toString(),
                "--peft", empty.toString(), "--output", dir.resolve("t.tribuo").toString())), "is missing", "loradrop train");
    }

    @Test
    void adaptersThatDoNotFitAreFailures() {
        assertEquals(0, exported.code(), exported.toString());
        String enc = encoderDir.toString();
        assertFailure(CliRun.of("predict", "--peft", adapter.toString(), "--base-model", enc, "--labels", "a,b", "--text", "dog"),
                "Got 2 labels [a, b]", "3 classes");
        Path out = dir.resolve("never.tribuo");
        assertFailure(CliRun.of("train", "--train", train.toString(), "--base-model", enc, "--epochs", "1", "--rank", "8",
                "--peft", adapter.toString(), "--output", out.toString()), "--peft", "rank 4", "rank is 8");
        assertFailure(CliRun.of(args("train", "--train", train.toString(), "--base-model", enc, "--epochs", "1",
                "--target-modules", "query", "--peft", adapter.toString(), "--output", out.toString())),
                "initialAdapterPath", "does not fit the training's target modules [query]");
        assertFalse(Files.exists(out));
    }
}
