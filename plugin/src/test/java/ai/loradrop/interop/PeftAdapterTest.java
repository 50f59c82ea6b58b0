/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.programs.PeftFixture;
import ai.loradrop.programs.Predict;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PEFT adapter folders: key names and shapes as PEFT saves them, exact round trips, adapters written the way PEFT
 * writes them reproducing the fixtures' logits, and errors that name the offending key.
 */
class PeftAdapterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<PeftFixture> fixtures = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        for (Path d : PeftFixture.caseDirs()) {
            fixtures.add(PeftFixture.load(d));
        }
        assertEquals(7, fixtures.size());
    }

    static PeftFixture fixture(String name) {
        return fixtures.stream().filter(f -> f.name.equals(name)).findFirst().orElseThrow();
    }

    static List<LinearModule> targets(PeftFixture fx) {
        return LoraSurgery.select(fx.encoder, fx.spec.lora());
    }

    static ParameterLayout layout(PeftFixture fx, ClassifierSpec spec) {
        return new ParameterLayout(targets(fx), spec.lora().rank(), fx.encoder.hiddenSize(), spec.numClasses());
    }

    static float[] params(PeftFixture fx, String section) {
        JsonNode dict = section.equals("init") ? fx.json.get("init") : fx.json.get("adamw").get("final");
        return fx.flatParams(dict, layout(fx, fx.spec), targets(fx));
    }

    static float[] logits(PeftFixture fx, ClassifierSpec spec, float[] p) throws Exception {
        try (Predict pr = new Predict(fx.encoder, spec, p, false, 1)) {
            return pr.logits(fx.batch);
        }
    }

    @Test
    void exportedKeysAndShapesAreThoseOfPeft() throws Exception {
        int checked = 0;
        for (PeftFixture fx : fixtures) {
            Path dir = tmp.resolve(fx.name);
            PeftAdapter.write(dir, fx.encoder, fx.spec, params(fx, "init"), AdapterExportOptions.defaults());
            SafeTensors st = SafeTensors.open(dir.resolve(PeftAdapter.WEIGHTS_FILE));
            assertEquals(Map.of("format", "pt"), st.metadata());
            // Every tensor of the fixture's init (PEFT's names) is there with its shape; the head under PEFT's key.
            Map<String, long[]> expected = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = fx.json.get("init").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey().startsWith("classifier.") ? "base_model.model." + e.getKey() : e.getKey();
                long[] shape = new long[e.getValue().get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = e.getValue().get("shape").get(i).asLong();
                }
                expected.put(key, shape);
            }
            assertEquals(expected.keySet(), st.tensors().keySet(), fx.name);
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                assertArrayEquals(e.getValue(), st.info(e.getKey()).shape(), fx.name + " " + e.getKey());
            }
            JsonNode saved = fx.json.get("peft_check").get("saved_keys");
            if (saved != null) {
                List<String> lora = st.tensors().keySet().stream().filter(k -> k.contains(".lora_")).sorted().limit(saved.size()).toList();
                List<String> peft = new ArrayList<>();
                saved.forEach(n -> peft.add(n.asText()));
                assertEquals(peft, lora, fx.name + ": PEFT's saved keys");
                checked++;
            }
            JsonNode cfg = JSON.readTree(dir.resolve(PeftAdapter.CONFIG_FILE).toFile());
            assertEquals("LORA", cfg.get("peft_type").asText());
            assertEquals("SEQ_CLS", cfg.get("task_type").asText());
            assertEquals(fx.json.get("lora").get("r").asInt(), cfg.get("r").asInt());
            assertEquals(fx.json.get("lora").get("alpha").asInt(), cfg.get("lora_alpha").asInt());
            assertTrue(cfg.get("lora_alpha").isIntegralNumber(), "PEFT's lora_alpha is an int");
            assertEquals(fx.spec.lora().dropoutMode() == DropoutMode.INPUT ? fx.spec.lora().dropout() : 0.0, cfg.get("lora_dropout").asDouble());
            assertEquals(List.of("classifier"), List.of(cfg.get("modules_to_save").get(0).asText()));
            assertEquals(fx.spec.lora().targetModules().size(), cfg.get("target_modules").size());
            assertEquals("none", cfg.get("bias").asText());
            assertTrue(cfg.get("inference_mode").asBoolean());
            assertFalse(cfg.get("use_rslora").asBoolean());
            assertEquals(12, cfg.size(), "only the long-standing keys: " + cfg);
        }
        assertEquals(4, checked, "fixtures with PEFT's saved keys");
        String text = Files.readString(tmp.resolve("tiny-legacy14-mean-none").resolve(PeftAdapter.CONFIG_FILE));
        assertTrue(text.startsWith("{\n  \"base_model_name_or_path\": null,\n  \"bias\": \"none\",\n"), "laid out as PEFT writes it:\n" + text);
    }

    @Test
    void roundTripGivesIdenticalSpecParamsAndPredictions() throws Exception {
        for (PeftFixture fx : fixtures) {
            float[] p = params(fx, "final");
            Path dir = tmp.resolve("rt-" + fx.name);
            AdapterExportOptions o = AdapterExportOptions.defaults().withBaseModel("sentence-transformers/all-MiniLM-L6-v2")
                    .withDropoutSamples(3).withEnsemble(4, 99L);
            PeftAdapter.write(dir, fx.encoder, fx.spec, p, o);
            ImportedAdapter a = PeftAdapter.read(dir, fx.encoder);
            assertEquals(fx.spec, a.spec(), fx.name);
            assertArrayEquals(p, a.params(), fx.name + ": parameters must survive bit for bit");
            assertEquals(targets(fx), a.targets());
            assertEquals("sentence-transformers/all-MiniLM-L6-v2", a.baseModel());
            assertEquals(3, a.dropoutSamples());
            assertEquals(4, a.ensembleMembers());
            assertEquals(99L, a.ensembleSeed());
            assertTrue(a.hasLoraDropSidecar());
            if (fx.name.startsWith("tiny")) {
                assertArrayEquals(logits(fx, fx.spec, p), logits(fx, a.spec(), a.params()), fx.name);
            }
        }
    }

    @Test
    void roundTripOfRegexTargetsRsLoraAndUnscaledSparse() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        LoraConfig lc = new LoraConfig(4, 6, true, List.of(), ".*layer\\.1\\.attention\\.self\\.(query|value)", DropoutMode.SPARSE, 0.3, false);
        ClassifierSpec spec = new ClassifierSpec(lc, Pooling.FIRST_TOKEN, 3, 0.25);
        List<LinearModule> t = LoraSurgery.select(fx.encoder, lc);
        assertEquals(2, t.size());
        float[] p = new ParameterLayout(t, 4, fx.encoder.hiddenSize(), 3).initialize(new java.util.SplittableRandom(5));
        Path dir = tmp.resolve("regex");
        PeftAdapter.write(dir, fx.encoder, spec, p, AdapterExportOptions.defaults().withHeadKeys(HeadKeyStyle.BARE));
        JsonNode cfg = JSON.readTree(dir.resolve(PeftAdapter.CONFIG_FILE).toFile());
        assertEquals("[\"encoder.layer.1.attention.self.query\",\"encoder.layer.1.attention.self.value\"]", cfg.get("target_modules").toString(),
                "a regex becomes the list of stripped module paths, which PEFT matches as suffixes");
        assertTrue(cfg.get("use_rslora").asBoolean());
        assertEquals(0.0, cfg.get("lora_dropout").asDouble(), "sparse dropout is not PEFT's lora_dropout");
        assertTrue(SafeTensors.open(dir.resolve(PeftAdapter.WEIGHTS_FILE)).contains("classifier.weight"));
        ImportedAdapter a = PeftAdapter.read(dir, fx.encoder);
        assertEquals(spec, a.spec());
        assertArrayEquals(p, a.params());
    }

    @Test
    void prefixDetectionAndKeyPrefix() throws Exception {
        assertEquals("m.", PeftAdapter.detectPrefix(List.of("m.encoder.layer.0.attention.self.query", "m.pooler.dense")));
        assertEquals("", PeftAdapter.detectPrefix(List.of("encoder.layer.0.attention.self.query")));
        assertEquals("bert.", PeftAdapter.detectPrefix(List.of("bert.encoder.layer.11.output.dense")));
        assertEquals("distilbert.", PeftAdapter.detectPrefix(List.of("distilbert.transformer.layer.0.attention.q_lin")));
        assertEquals("", PeftAdapter.detectPrefix(List.of("myencoder.layer.0.x")), "a root must start a path segment");
        assertThrows(IllegalArgumentException.class, () -> PeftAdapter.detectPrefix(List.of("a.encoder.layer.0.q", "b.encoder.layer.0.q")));

        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        float[] p = params(fx, "final");
        Path dir = tmp.resolve("bert");
        PeftAdapter.write(dir, fx.encoder, fx.spec, p, AdapterExportOptions.defaults().withKeyPrefix("bert."));
        SafeTensors st = SafeTensors.open(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        assertTrue(st.contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"), st.tensors().keySet().toString());
        ImportedAdapter a = PeftAdapter.read(dir, fx.encoder);
        assertArrayEquals(p, a.params(), "modules are matched by suffix in both directions");

        Path none = tmp.resolve("nostrip");
        PeftAdapter.write(none, fx.encoder, fx.spec, p, AdapterExportOptions.defaults().withStripPrefix(""));
        assertTrue(SafeTensors.open(none.resolve(PeftAdapter.WEIGHTS_FILE)).contains("base_model.model.m.encoder.layer.1.attention.self.value.lora_B.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeftAdapter.write(tmp.resolve("x"),
                fx.encoder, fx.spec, p, AdapterExportOptions.defaults().withStripPrefix("bert.")));
        assertTrue(e.getMessage().contains("'m.encoder.layer.0.attention.self.query'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void realMiniLmExportKeepsPeftsModulePaths() throws Exception {
        EncoderModel minilm = EncoderModel.load(BundledMiniLM.extract(tmp.resolve("minilm")).onnx());
        LoraConfig lc = new LoraConfig(2, 4, false, List.of("query", "value"), null, DropoutMode.INPUT, 0.05, true);
        ClassifierSpec spec = new ClassifierSpec(lc, Pooling.MEAN, 4, 0.0);
        List<LinearModule> t = LoraSurgery.select(minilm, lc);
        assertEquals(12, t.size());
        float[] p = new ParameterLayout(t, 2, minilm.hiddenSize(), 4).initialize(new java.util.SplittableRandom(1));
        Path dir = tmp.resolve("minilm-adapter");
        PeftAdapter.write(dir, minilm, spec, p, AdapterExportOptions.defaults().withBaseModel("sentence-transformers/all-MiniLM-L6-v2"));
        SafeTensors st = SafeTensors.open(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        assertArrayEquals(new long[]{2, 384}, st.info("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight").shape());
        assertArrayEquals(new long[]{384, 2}, st.info("base_model.model.encoder.layer.5.attention.self.value.lora_B.weight").shape());
        assertArrayEquals(new long[]{4, 384}, st.info("base_model.model.classifier.weight").shape());
        assertEquals(26, st.tensors().size());
        assertEquals(0.05, JSON.readTree(dir.resolve(PeftAdapter.CONFIG_FILE).toFile()).get("lora_dropout").asDouble());
        ImportedAdapter a = PeftAdapter.read(dir, minilm);
        assertEquals(spec, a.spec());
        assertArrayEquals(p, a.params());
    }

    // ------------------------------------------------------------------------------------ written by PEFT

    /** adapter_config.json as PEFT 0.21 writes it for a SEQ_CLS LoRA (sorted keys, every field). */
    static String peftConfig(PeftFixture fx, String targetModules, double loraDropout) {
        JsonNode l = fx.json.get("lora");
        return "{\n"
                + "  \"alpha_pattern\": {},\n"
                + "  \"auto_mapping\": null,\n"
                + "  \"base_model_name_or_path\": \"hf-internal-testing/tiny-random-BertModel\",\n"
                + "  \"bias\": \"none\",\n"
                + "  \"corda_config\": null,\n"
                + "  \"eva_config\": null,\n"
                + "  \"exclude_modules\": null,\n"
                + "  \"fan_in_fan_out\": false,\n"
                + "  \"inference_mode\": true,\n"
                + "  \"init_lora_weights\": true,\n"
                + "  \"layer_replication\": null,\n"
                + "  \"layers_pattern\": null,\n"
                + "  \"layers_to_transform\": null,\n"
                + "  \"loftq_config\": {},\n"
                + "  \"lora_alpha\": " + l.get("alpha").asInt() + ",\n"
                + "  \"lora_bias\": false,\n"
                + "  \"lora_dropout\": " + loraDropout + ",\n"
                + "  \"megatron_config\": null,\n"
                + "  \"megatron_core\": \"megatron.core\",\n"
                + "  \"modules_to_save\": [\n    \"classifier\",\n    \"score\"\n  ],\n"
                + "  \"peft_type\": \"LORA\",\n"
                + "  \"qalora_group_size\": 16,\n"
                + "  \"r\": " + l.get("r").asInt() + ",\n"
                + "  \"rank_pattern\": {},\n"
                + "  \"revision\": null,\n"
                + "  \"target_modules\": " + targetModules + ",\n"
                + "  \"target_parameters\": null,\n"
                + "  \"task_type\": \"SEQ_CLS\",\n"
                + "  \"trainable_token_indices\": null,\n"
                + "  \"use_dora\": false,\n"
                + "  \"use_qalora\": false,\n"
                + "  \"use_rslora\": false\n"
                + "}\n";
    }

    static String targetList(PeftFixture fx) {
        StringBuilder b = new StringBuilder("[");
        fx.json.get("lora").get("targets").forEach(t -> b.append(b.length() > 1 ? ", " : "").append('"').append(t.asText()).append('"'));
        return b.append(']').toString();
    }

    /** The fixture's tensors under PEFT's key names; {@code rename} maps each key to the form under test. */
    static Map<String, FloatTensor> peftTensors(PeftFixture fx, String section, UnaryOperator<String> rename) {
        JsonNode dict = section.equals("init") ? fx.json.get("init") : fx.json.get("adamw").get("final");
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = dict.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode s = e.getValue().get("shape");
            long[] shape = new long[s.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = s.get(i).asLong();
            }
            String key = e.getKey().startsWith("classifier.") ? "base_model.model." + e.getKey() : e.getKey();
            out.put(rename.apply(key), new FloatTensor(shape, PeftFixture.tensor(e.getValue())));
        }
        return out;
    }

    Path peftFolder(String name, PeftFixture fx, String section, UnaryOperator<String> rename, String targets, double p) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        SafeTensorsWriter.write(dir.resolve(PeftAdapter.WEIGHTS_FILE), peftTensors(fx, section, rename), Map.of("format", "pt"));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), peftConfig(fx, targets, p));
        return dir;
    }

    static void assertClose(double[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, what + " [" + i + "]");
        }
    }

    @Test
    void peftWrittenAdaptersReproduceTheFixtureLogits() throws Exception {
        Map<String, UnaryOperator<String>> forms = new LinkedHashMap<>();
        forms.put("saved", k -> k);
        forms.put("in-memory", k -> k.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight")
                .replace("classifier.weight", "classifier.modules_to_save.default.weight").replace("classifier.bias", "classifier.modules_to_save.default.bias"));
        forms.put("bare-head", k -> k.replace("base_model.model.classifier.", "classifier."));
        int n = 0;
        for (PeftFixture fx : fixtures) {
            if (fx.spec.lora().dropoutMode() != DropoutMode.NONE) {
                continue;  // expected logits there were computed with dropout masks
            }
            double[] expected = PeftFixture.flatRows(fx.json.get("expected").get("logits"));
            for (Map.Entry<String, UnaryOperator<String>> form : forms.entrySet()) {
                Path dir = peftFolder(fx.name + "-" + form.getKey(), fx, "init", form.getValue(), targetList(fx), 0.0);
                ImportedAdapter a = PeftAdapter.read(dir, fx.encoder, fx.spec.pooling());
                assertFalse(a.hasLoraDropSidecar());
                assertEquals(fx.spec, a.spec(), fx.name);
                assertEquals("hf-internal-testing/tiny-random-BertModel", a.baseModel());
                assertClose(expected, logits(fx, a.spec(), a.params()), 1e-5, fx.name + " " + form.getKey());
                n++;
            }
            // A regex string as target_modules (PEFT full-matches it against its own module names).
            List<String> names = new ArrayList<>();
            fx.json.get("lora").get("targets").forEach(t -> names.add(t.asText()));
            Path dir = peftFolder(fx.name + "-regex", fx, "init", k -> k, "\".*\\\\.(" + String.join("|", names) + ")\"", 0.0);
            ImportedAdapter a = PeftAdapter.read(dir, fx.encoder, fx.spec.pooling());
            assertEquals(targets(fx), a.targets());
            assertClose(expected, logits(fx, a.spec(), a.params()), 1e-5, fx.name + " regex");
        }
        assertEquals(12, n);
    }

    @Test
    void peftWrittenSparseAdaptersGiveTheDeterministicProbabilities() throws Exception {
        for (String name : List.of("tiny-legacy14-mean-sparse", "minilm-width-legacy14-mean-sparse")) {
            PeftFixture fx = fixture(name);
            Path dir = peftFolder(name, fx, "final", k -> k, targetList(fx), 0.0);
            ImportedAdapter a = PeftAdapter.read(dir, fx.encoder, Pooling.MEAN);
            assertEquals(DropoutMode.NONE, a.spec().lora().dropoutMode(), "PEFT has no sparse dropout: lora_dropout 0 means none");
            try (Predict pr = new Predict(fx.encoder, a.spec(), a.params(), false, 1)) {
                assertClose(PeftFixture.flatRows(fx.json.get("ensemble").get("deterministic_probs")), pr.probabilities(fx.batch), 1e-5, name);
            }
        }
        PeftFixture in = fixture("tiny-legacy14-mean-input");
        ImportedAdapter a = PeftAdapter.read(peftFolder("input", in, "init", k -> k, targetList(in), 0.1), in.encoder, Pooling.MEAN);
        assertEquals(in.spec.lora(), a.spec().lora(), "PEFT's lora_dropout is LoRA-Drop's INPUT mode");
    }

    // ------------------------------------------------------------------------------------ errors

    private IOException readFails(Path dir, PeftFixture fx) {
        return assertThrows(IOException.class, () -> PeftAdapter.read(dir, fx.encoder, Pooling.MEAN));
    }

    @Test
    void mismatchesNameTheKeyAndShapes() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        String qA = "base_model.model.encoder.layer.0.attention.self.query.lora_A.weight";
        String qB = "base_model.model.encoder.layer.0.attention.self.query.lora_B.weight";

        Path missing = peftFolder("missing", fx, "init", k -> k, targetList(fx), 0);
        Map<String, FloatTensor> t = peftTensors(fx, "init", k -> k);
        t.remove(qB);
        SafeTensorsWriter.write(missing.resolve(PeftAdapter.WEIGHTS_FILE), t, Map.of());
        IOException e = readFails(missing, fx);
        assertTrue(e.getMessage().contains("lacks the lora_B tensor of module 'encoder.layer.0.attention.self.query'")
                && e.getMessage().contains(qA), e.getMessage());

        Path extra = peftFolder("extra", fx, "init", k -> k, targetList(fx), 0);
        t = peftTensors(fx, "init", k -> k);
        t.put("base_model.model.encoder.layer.0.attention.self.query.bias", new FloatTensor(new long[]{32}, new float[32]));
        SafeTensorsWriter.write(extra.resolve(PeftAdapter.WEIGHTS_FILE), t, Map.of());
        e = readFails(extra, fx);
        assertTrue(e.getMessage().contains("[base_model.model.encoder.layer.0.attention.self.query.bias]"), e.getMessage());

        Path shape = peftFolder("shape", fx, "init", k -> k, targetList(fx), 0);
        t = peftTensors(fx, "init", k -> k);
        t.put(qA, new FloatTensor(new long[]{4, 31}, new float[4 * 31]));
        SafeTensorsWriter.write(shape.resolve(PeftAdapter.WEIGHTS_FILE), t, Map.of());
        e = readFails(shape, fx);
        assertTrue(e.getMessage().contains("'" + qA + "'") && e.getMessage().contains("expected shape [4, 32]")
                && e.getMessage().contains("found [4, 31]"), e.getMessage());

        Path head = peftFolder("head", fx, "init", k -> k, targetList(fx), 0);
        t = peftTensors(fx, "init", k -> k);
        t.put("base_model.model.classifier.weight", new FloatTensor(new long[]{3, 16}, new float[48]));
        SafeTensorsWriter.write(head.resolve(PeftAdapter.WEIGHTS_FILE), t, Map.of());
        e = readFails(head, fx);
        assertTrue(e.getMessage().contains("'base_model.model.classifier.weight'") && e.getMessage().contains("found [3, 16]"), e.getMessage());

        Path other = peftFolder("other-module", fx, "init", k -> k.replace("layer.1.", "layer.7."), targetList(fx), 0);
        e = readFails(other, fx);
        assertTrue(e.getMessage().contains("'encoder.layer.7.attention.self.query' in ") && e.getMessage().contains("matches no Linear layer"), e.getMessage());

        Path noHead = peftFolder("no-head", fx, "init", k -> k, targetList(fx), 0);
        t = peftTensors(fx, "init", k -> k);
        t.keySet().removeIf(k -> k.contains("classifier"));
        SafeTensorsWriter.write(noHead.resolve(PeftAdapter.WEIGHTS_FILE), t, Map.of());
        assertTrue(readFails(noHead, fx).getMessage().contains("lacks the classifier head"));

        Path two = peftFolder("two-adapters", fx, "init", k -> k.replace(".lora_A.weight", ".lora_A.default.weight")
                .replace(".lora_B.weight", ".lora_B.other.weight"), targetList(fx), 0);
        assertTrue(readFails(two, fx).getMessage().contains("several adapters [default, other]"));
    }

    @Test
    void unsupportedOrIncompleteFoldersAreRefusedClearly() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        Path dir = peftFolder("plain", fx, "init", k -> k, targetList(fx), 0);
        IOException e = assertThrows(IOException.class, () -> PeftAdapter.read(dir, fx.encoder));
        assertTrue(e.getMessage().contains("no loradrop_config.json") && e.getMessage().contains("pooling"), e.getMessage());

        String cfg = Files.readString(dir.resolve(PeftAdapter.CONFIG_FILE));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), cfg.replace("\"use_dora\": false", "\"use_dora\": true"));
        assertTrue(readFails(dir, fx).getMessage().contains("DoRA"));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), cfg.replace("\"rank_pattern\": {}", "\"rank_pattern\": {\"query\": 8}"));
        assertTrue(readFails(dir, fx).getMessage().contains("rank_pattern"));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), cfg.replace("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\""));
        assertTrue(readFails(dir, fx).getMessage().contains("peft_type is 'IA3'"));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), cfg.replace("\"r\": 4", "\"r\": 8"));
        assertTrue(readFails(dir, fx).getMessage().contains("expected shape [8, 32]"));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), "{ not json");
        assertTrue(readFails(dir, fx).getMessage().contains("Invalid JSON in " + dir.resolve(PeftAdapter.CONFIG_FILE)));

        Files.delete(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), cfg);
        Files.write(dir.resolve("adapter_model.bin"), new byte[]{1});
        assertTrue(readFails(dir, fx).getMessage().contains("pickle"));
        assertTrue(readFails(tmp.resolve("nowhere"), fx) instanceof java.nio.file.NoSuchFileException);

        // A LoRA-Drop folder whose sidecar disagrees with the PEFT config.
        Path ld = tmp.resolve("ld");
        PeftAdapter.write(ld, fx.encoder, fx.spec, params(fx, "init"), AdapterExportOptions.defaults());
        String s = Files.readString(ld.resolve(PeftAdapter.CONFIG_FILE));
        Files.writeString(ld.resolve(PeftAdapter.CONFIG_FILE), s.replace("\"lora_alpha\": 8", "\"lora_alpha\": 16"));
        assertTrue(readFails(ld, fx).getMessage().contains("says alpha 8.0 but adapter_config.json says lora_alpha = 16"));
    }

    @Test
    void failedExportsLeaveNothingBehind() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        float[] p = params(fx, "init");
        Path file = tmp.resolve("file.txt");
        Files.writeString(file, "x");
        IOException e = assertThrows(IOException.class, () -> PeftAdapter.write(file.resolve("adapter"), fx.encoder, fx.spec, p,
                AdapterExportOptions.defaults()));
        assertTrue(e.getMessage().contains("adapter"), e.getMessage());

        // A folder is in the way of the config file: refused, and the folder is left as it was.
        Path dir = tmp.resolve("blocked");
        Files.createDirectories(dir.resolve(PeftAdapter.CONFIG_FILE));
        assertThrows(IOException.class, () -> PeftAdapter.write(dir, fx.encoder, fx.spec, p, AdapterExportOptions.defaults()));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(PeftAdapter.CONFIG_FILE), s.map(x -> x.getFileName().toString()).toList());
        }
        // A fresh folder is removed again as a whole.
        Path fresh = tmp.resolve("fresh");
        float[] nan = p.clone();
        nan[3] = Float.NaN;
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> PeftAdapter.write(fresh, fx.encoder, fx.spec, nan, AdapterExportOptions.defaults()));
        assertTrue(bad.getMessage().contains("lora_A.weight") && bad.getMessage().contains("NaN"), bad.getMessage());
        assertFalse(Files.exists(fresh));
        assertThrows(IllegalArgumentException.class, () -> PeftAdapter.write(fresh, fx.encoder, fx.spec, new float[5],
                AdapterExportOptions.defaults()));
        assertFalse(Files.exists(fresh));
    }

    /**
     * Issue 12, defect 5: an adapter built for another encoder of the same width (here one of 2 layers of hidden size
     * 384, read onto the 6-layer MiniLM) was matched module by module and ran with 4 of MiniLM's 6 layers unadapted.
     * Written by LoRA-Drop, its sidecar's encoder geometry refuses it; written by PEFT, its target modules select
     * modules it has no tensors for. PEFT's {@code layers_to_transform} makes such a partial adapter legitimate.
     */
    @Test
    void anAdapterBuiltForAnotherEncoderIsRefused() throws Exception {
        PeftFixture small = fixture("minilm-width-legacy14-mean-sparse");
        EncoderModel minilm = EncoderModel.load(BundledMiniLM.extract(tmp.resolve("minilm")).onnx());
        assertEquals(small.encoder.hiddenSize(), minilm.hiddenSize());
        assertEquals(2, PeftAdapter.layerCount(small.encoder));
        assertEquals(6, PeftAdapter.layerCount(minilm));

        Path ours = tmp.resolve("lora-drop-written");
        PeftAdapter.write(ours, small.encoder, small.spec, params(small, "final"), AdapterExportOptions.defaults());
        IOException e = assertThrows(IOException.class, () -> PeftAdapter.read(ours, minilm));
        assertTrue(e.getMessage().contains("built for an encoder with 2 layers of hidden size 384")
                && e.getMessage().contains("this encoder has 6 layers"), e.getMessage());

        Path theirs = peftFolder("peft-written", small, "init", k -> k, targetList(small), 0.0);
        e = assertThrows(IOException.class, () -> PeftAdapter.read(theirs, minilm, Pooling.MEAN));
        assertTrue(e.getMessage().contains("which selects 12 modules; the adapter has tensors for 4")
                && e.getMessage().contains("encoder.layer.2.attention.self.query")
                && e.getMessage().contains("its tensors cover layers 0-1; this encoder has layers 0-5"), e.getMessage());
        assertEquals(4, PeftAdapter.read(theirs, small.encoder, Pooling.MEAN).targets().size(), "its own encoder takes it");

        Path cfg = theirs.resolve(PeftAdapter.CONFIG_FILE);
        Files.writeString(cfg, Files.readString(cfg).replace("\"layers_to_transform\": null", "\"layers_to_transform\": [0, 1]"));
        ImportedAdapter partial = PeftAdapter.read(theirs, minilm, Pooling.MEAN);
        assertEquals(List.of(0, 0, 1, 1), partial.targets().stream().map(m -> PeftAdapter.layerIndex(m.path())).toList());
    }

    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static List<String> leftovers(Path parent, String name) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + name + ".loradrop-")).toList();
        }
    }

    private static void assertSameContents(Map<String, byte[]> want, Map<String, byte[]> got, String what) {
        assertEquals(want.keySet(), got.keySet(), what);
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k), got.get(k), what + ": " + k);
        }
    }

    /**
     * Issue 12, defect 7: an adapter export is all or nothing. A failure after any file (injected between files)
     * leaves the previous folder byte for byte, labels included, and no temporary folder; a complete export replaces
     * the folder as a whole and keeps the user's other files; the leftovers of a killed export are cleaned up by the
     * next one, which also puts back a folder a kill left renamed aside.
     */
    @Test
    void adapterExportIsAllOrNothing() throws Exception {
        PeftFixture fx = fixture("tiny-legacy14-mean-none");
        Path dir = tmp.resolve("adapter");
        float[] first = params(fx, "init");
        float[] second = params(fx, "final");
        PeftAdapter.write(dir, fx.encoder, fx.spec, first, AdapterExportOptions.defaults().withLabels(List.of("a", "b", "c")));
        Files.writeString(dir.resolve("README.md"), "my notes");
        Map<String, byte[]> before = contents(dir);
        assertEquals(5, before.size(), before.keySet().toString());
        AdapterExportOptions next = AdapterExportOptions.defaults().withLabels(List.of("x", "y", "z"));
        for (String failAfter : List.of(PeftAdapter.WEIGHTS_FILE, PeftAdapter.CONFIG_FILE, PeftAdapter.SIDECAR_FILE, AdapterLabels.FILE_NAME)) {
            AdapterFolder.afterFile = name -> {
                if (name.equals(failAfter)) {
                    throw new IOException("injected failure after " + name);
                }
            };
            try {
                IOException e = assertThrows(IOException.class, () -> PeftAdapter.write(dir, fx.encoder, fx.spec, second, next));
                assertTrue(e.getMessage().contains("injected failure after " + failAfter) && e.getMessage().contains("unchanged"),
                        e.getMessage());
            } finally {
                AdapterFolder.afterFile = null;
            }
            assertSameContents(before, contents(dir), "after a failure following " + failAfter);
            assertEquals(List.of(), leftovers(tmp, "adapter"));
        }
        assertArrayEquals(first, PeftAdapter.read(dir, fx.encoder).params());
        assertEquals(List.of("a", "b", "c"), PeftAdapter.read(dir, fx.encoder).labels());

        PeftAdapter.write(dir, fx.encoder, fx.spec, second, next);
        ImportedAdapter now = PeftAdapter.read(dir, fx.encoder);
        assertArrayEquals(second, now.params());
        assertEquals(List.of("x", "y", "z"), now.labels());
        assertEquals("my notes", Files.readString(dir.resolve("README.md")), "other files are carried over");
        assertEquals(List.of(), leftovers(tmp, "adapter"));

        // A kill between the two renames: the folder is renamed aside, a temporary folder lies beside it (process ids
        // above Linux's pid_max never run).
        Files.move(dir, tmp.resolve(".adapter.loradrop-old-999999999-k"));
        Files.createDirectory(tmp.resolve(".adapter.loradrop-tmp-999999999-k"));
        Files.writeString(tmp.resolve(".adapter.loradrop-tmp-999999999-k").resolve(PeftAdapter.WEIGHTS_FILE), "half");
        PeftAdapter.write(dir, fx.encoder, fx.spec, first, AdapterExportOptions.defaults().withLabels(List.of("a", "b", "c")));
        assertSameContents(before, contents(dir), "restored, then replaced by the same content");
        assertEquals(List.of(), leftovers(tmp, "adapter"));
    }
}
