/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.OrtSupport;
import ai.loradrop.programs.PeftFixture;
import ai.loradrop.programs.Predict;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.baseline.DummyClassifierTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The merged ONNX export runs in plain ONNX Runtime and gives the probabilities of the unmerged program, and carries
 * Tribuo's provenance where Tribuo's own exports keep it.
 */
class MergedOnnxExportTest {
    @TempDir
    Path tmp;

    /** A real Tribuo provenance string, serialized as Tribuo's ONNX exports serialize theirs. */
    static String tribuoProvenance() {
        MutableDataset<Label> ds = new MutableDataset<>(new SimpleDataSourceProvenance("unit test", new LabelFactory()), new LabelFactory());
        ds.add(new ArrayExample<>(new Label("a"), new String[]{"f"}, new double[]{1}));
        ds.add(new ArrayExample<>(new Label("b"), new String[]{"f"}, new double[]{2}));
        Model<Label> m = DummyClassifierTrainer.createMostFrequentTrainer().train(ds);
        return ONNXExportable.SERIALIZER.marshalAndSerialize(m.getProvenance());
    }

    @Test
    void keyNameIsTribuos() {
        assertEquals(ONNXExportable.PROVENANCE_METADATA_FIELD, MergedOnnxExport.TRIBUO_PROVENANCE);
    }

    @Test
    void exportedModelMatchesUnmergedPredictionsInPlainOnnxRuntime() throws Exception {
        String provenance = tribuoProvenance();
        int checked = 0;
        for (Path d : PeftFixture.caseDirs()) {
            PeftFixture fx = PeftFixture.load(d);
            float[] p = PeftAdapterTest.params(fx, "final");
            Path file = tmp.resolve(fx.name + ".onnx");
            MergedOnnxExport.write(file, fx.encoder, fx.spec, p, MergedOnnxExport.Options.defaults()
                    .withTribuoProvenance(provenance).withLabels(List.of("neg", "neu", "pos")).withDocString("test export"));
            float[] wantProbs;
            float[] wantLogits;
            try (Predict pr = new Predict(fx.encoder, fx.spec, p, false, 1)) {
                wantProbs = pr.probabilities(fx.batch);
                wantLogits = pr.logits(fx.batch);
            }
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                 OrtSession s = OrtSupport.env().createSession(file.toString(), o)) {
                Set<String> inputs = s.getInputNames();
                assertEquals(fx.encoder.hasTokenTypes() ? Set.of("input_ids", "attention_mask", "token_type_ids")
                        : Set.of("input_ids", "attention_mask"), inputs);
                assertEquals(Set.of("logits", "probabilities"), s.getOutputNames());
                Map<String, OnnxTensor> feeds = new HashMap<>();
                long[] shape = {fx.batch.rows(), fx.batch.seq()};
                feeds.put("input_ids", OrtSupport.longs(fx.batch.inputIds(), shape));
                feeds.put("attention_mask", OrtSupport.longs(fx.batch.attentionMask(), shape));
                if (inputs.contains("token_type_ids")) {
                    feeds.put("token_type_ids", OrtSupport.longs(fx.batch.tokenTypeIds(), shape));
                }
                try (OrtSession.Result r = s.run(feeds)) {
                    float[] probs = OrtSupport.readFloats(r, "probabilities");
                    float[] logits = OrtSupport.readFloats(r, "logits");
                    assertEquals(wantProbs.length, probs.length);
                    for (int i = 0; i < probs.length; i++) {
                        assertEquals(wantProbs[i], probs[i], 1e-5, fx.name + " probability " + i);
                        assertEquals(wantLogits[i], logits[i], 1e-4, fx.name + " logit " + i);
                    }
                } finally {
                    OrtSupport.closeAll(feeds);
                }
                Map<String, String> meta = s.getMetadata().getCustomMetadata();
                assertEquals(provenance, meta.get(MergedOnnxExport.TRIBUO_PROVENANCE));
                ObjectProvenance back = ONNXExportable.SERIALIZER.deserializeAndUnmarshal(meta.get(MergedOnnxExport.TRIBUO_PROVENANCE));
                assertEquals(ONNXExportable.SERIALIZER.deserializeAndUnmarshal(provenance), back, "Tribuo reads the provenance back");
                JsonNode spec = new ObjectMapper().readTree(meta.get(MergedOnnxExport.META_SPEC));
                assertEquals(fx.spec.numClasses(), spec.get("num_classes").asInt());
                assertEquals(fx.spec.pooling().name(), spec.get("pooling").asText());
                assertEquals(fx.spec.lora().rank(), spec.get("lora").get("rank").asInt());
                assertEquals("[\"neg\",\"neu\",\"pos\"]", meta.get(MergedOnnxExport.META_LABELS));
                assertEquals("logits,probabilities", meta.get(MergedOnnxExport.META_OUTPUTS));
                assertEquals(String.join(",", fx.encoder.hasTokenTypes() ? List.of("input_ids", "attention_mask", "token_type_ids")
                        : List.of("input_ids", "attention_mask")), meta.get(MergedOnnxExport.META_INPUTS));
                assertEquals(OrtSupport.env().getVersion(), meta.get(MergedOnnxExport.META_ORT_VERSION));
                assertEquals(MergedOnnxExport.FORMAT_VERSION, meta.get(MergedOnnxExport.META_FORMAT_VERSION));
                assertEquals("LoRA-Drop for Tribuo", s.getMetadata().getProducerName());
                assertEquals("test export", s.getMetadata().getDescription());
                NodeInfo out = s.getOutputInfo().get("probabilities");
                assertTrue(out.getInfo().toString().contains("FLOAT"), out.toString());
            }
            checked++;
        }
        assertEquals(7, checked);
    }

    /**
     * Issue 12, defect 13: the merged export is valid standard ONNX. Every output declares {@code [batch, classes]},
     * no {@code LayerNormalization} appears under an opset import older than 17, every initializer is read and every
     * node feeds an output (ONNX Runtime then has nothing to remove and warn about), and the reference checker
     * ({@code onnx.checker.check_model(full_check=True)}, see {@link OnnxChecker}) accepts each fixture encoder's
     * export whose opset it knows.
     */
    @Test
    void mergedExportIsValidOnnxWithOutputShapesAndNoUnusedInitializers() throws Exception {
        List<Path> files = new java.util.ArrayList<>();
        List<Integer> opsets = new java.util.ArrayList<>();
        for (Path d : PeftFixture.caseDirs()) {
            PeftFixture fx = PeftFixture.load(d);
            Path file = tmp.resolve(fx.name + ".onnx");
            var m = MergedOnnxExport.write(file, fx.encoder, fx.spec, PeftAdapterTest.params(fx, "final"),
                    MergedOnnxExport.Options.defaults());
            int opset = OnnxConformance.defaultOpset(m);
            var g = m.getGraph();
            for (var o : g.getOutputList()) {
                var shape = o.getType().getTensorType().getShape();
                assertEquals(2, shape.getDimCount(), fx.name + " " + o.getName());
                assertEquals(g.getInput(0).getType().getTensorType().getShape().getDim(0), shape.getDim(0), fx.name + " batch");
                assertEquals(fx.spec.numClasses(), shape.getDim(1).getDimValue(), fx.name + " classes");
            }
            if (opset < 17) {
                assertFalse(g.getNodeList().stream().anyMatch(n -> n.getOpType().equals("LayerNormalization")),
                        fx.name + ": LayerNormalization under opset " + opset);
            }
            java.util.Set<String> read = new java.util.HashSet<>();
            g.getNodeList().forEach(n -> read.addAll(n.getInputList()));
            for (var t : g.getInitializerList()) {
                assertTrue(read.contains(t.getName()), fx.name + ": unused initializer " + t.getName());
            }
            java.util.Set<String> needed = new java.util.HashSet<>();
            g.getOutputList().forEach(o -> needed.add(o.getName()));
            for (int i = g.getNodeCount() - 1; i >= 0; i--) {
                var n = g.getNode(i);
                assertTrue(n.getOutputList().stream().anyMatch(needed::contains), fx.name + ": dead node " + n.getName());
                needed.addAll(n.getInputList());
            }
            files.add(file);
            opsets.add(opset);
        }
        int max = OnnxChecker.maxOpset();
        int checked = 0;
        for (int i = 0; i < files.size(); i++) {
            if (opsets.get(i) <= max) {
                OnnxChecker.assertValid(files.get(i));
                checked++;
            }
        }
        assertTrue(opsets.contains(14) && opsets.contains(17), "the fixtures cover opsets below and at 17: " + opsets);
        assertTrue(checked >= 6, "checked " + checked + " of " + files.size() + " exports (checker knows opsets up to " + max + ")");
    }

    @Test
    void mergedModelHasNoLoraBranches() throws Exception {
        PeftFixture fx = PeftFixture.load(Path.of(getClass().getResource("/peft/tiny-legacy14-mean-none").toURI()));
        float[] p = PeftAdapterTest.params(fx, "final");
        var merged = MergedOnnxExport.build(fx.encoder, fx.spec, p, MergedOnnxExport.Options.defaults());
        var unmerged = Predict.buildModel(fx.encoder, fx.spec, p, false);
        // Each LoRA branch is two MatMuls (x·Aᵀ, then ·Bᵀ); merged into W they are gone.
        long mergedMatMuls = merged.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMul")).count();
        long unmergedMatMuls = unmerged.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMul")).count();
        assertEquals(unmergedMatMuls - 2L * ai.loradrop.lora.LoraSurgery.select(fx.encoder, fx.spec.lora()).size(),
                mergedMatMuls, mergedMatMuls + " vs " + unmergedMatMuls);
        assertFalse(merged.getMetadataPropsList().stream().anyMatch(e -> e.getKey().equals(MergedOnnxExport.TRIBUO_PROVENANCE)),
                "no provenance key when none is given");
    }

    @Test
    void refusesBadInputsAndLeavesNothingOnFailure() throws Exception {
        PeftFixture fx = PeftFixture.load(Path.of(getClass().getResource("/peft/tiny-legacy14-mean-none").toURI()));
        float[] p = PeftAdapterTest.params(fx, "final");
        Path file = tmp.resolve("file.txt");
        Files.writeString(file, "x");
        Exception e = assertThrows(java.io.IOException.class, () -> MergedOnnxExport.write(file.resolve("m.onnx"), fx.encoder, fx.spec, p,
                MergedOnnxExport.Options.defaults()));
        assertTrue(e.getMessage().contains("m.onnx"), e.getMessage());
        Path dirInTheWay = tmp.resolve("model.onnx");
        Files.createDirectory(dirInTheWay);
        e = assertThrows(java.io.IOException.class, () -> MergedOnnxExport.write(dirInTheWay, fx.encoder, fx.spec, p,
                MergedOnnxExport.Options.defaults()));
        assertTrue(e.getMessage().contains("it is a folder"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MergedOnnxExport.write(tmp.resolve("l.onnx"), fx.encoder, fx.spec, p,
                MergedOnnxExport.Options.defaults().withLabels(List.of("a", "b"))));
        assertTrue(e.getMessage().contains("2 labels for 3 classes"), e.getMessage());
        float[] inf = p.clone();
        inf[0] = Float.POSITIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> MergedOnnxExport.write(tmp.resolve("i.onnx"), fx.encoder, fx.spec, inf,
                MergedOnnxExport.Options.defaults()));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("file.txt", "model.onnx"), s.map(x -> x.getFileName().toString()).sorted().toList());
        }
        ClassifierSpec spec = fx.spec;
        assertThrows(IllegalArgumentException.class, () -> MergedOnnxExport.build(fx.encoder, spec, new float[3], MergedOnnxExport.Options.defaults()));
    }
}
