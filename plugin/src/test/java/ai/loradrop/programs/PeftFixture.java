/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.LinearModule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One PEFT parity case from {@code src/test/resources/peft/<case>} (see the fixture README).
 */
public final class PeftFixture {
    public final String name;
    public final Path dir;
    public final JsonNode json;
    public final EncoderModel encoder;
    public final ClassifierSpec spec;
    public final Batch batch;

    private PeftFixture(Path dir) throws IOException {
        this.dir = dir;
        this.name = dir.getFileName().toString();
        this.json = new ObjectMapper().readTree(dir.resolve("fixture.json").toFile());
        this.encoder = EncoderModel.load(dir.resolve("model.onnx"));
        JsonNode l = json.get("lora");
        List<String> targets = new ArrayList<>();
        l.get("targets").forEach(t -> targets.add(t.asText()));
        DropoutMode mode = DropoutMode.valueOf(l.get("dropout_mode").asText().toUpperCase());
        LoraConfig lc = new LoraConfig(l.get("r").asInt(), l.get("alpha").asDouble(), false, targets, null, mode,
                l.get("p").asDouble(), true);
        Pooling pooling = json.get("pooling").asText().equals("cls") ? Pooling.FIRST_TOKEN : Pooling.MEAN;
        this.spec = new ClassifierSpec(lc, pooling, json.get("num_labels").asInt(), 0.0);
        JsonNode in = json.get("inputs");
        int rows = in.get("input_ids").size();
        int seq = in.get("input_ids").get(0).size();
        long[] labels = new long[rows];
        float[] w = new float[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = in.get("labels").get(r).asLong();
            w[r] = 1f;
        }
        this.batch = new Batch(rows, seq, flatLongs(in.get("input_ids")), flatLongs(in.get("attention_mask")),
                flatLongs(in.get("token_type_ids")), labels, w);
    }

    /** Every case folder under the test resources. */
    public static List<Path> caseDirs() throws IOException, URISyntaxException {
        Path root = Path.of(PeftFixture.class.getResource("/peft").toURI());
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("fixture.json"))).sorted().toList();
        }
    }

    public static PeftFixture load(Path dir) throws IOException {
        return new PeftFixture(dir);
    }

    static long[] flatLongs(JsonNode rows) {
        List<Long> out = new ArrayList<>();
        rows.forEach(r -> r.forEach(v -> out.add(v.asLong())));
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    public static float[] tensor(JsonNode t) {
        JsonNode d = t.get("data");
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) d.get(i).asDouble();
        }
        return out;
    }

    public static double[] tensorD(JsonNode t) {
        JsonNode d = t.get("data");
        double[] out = new double[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i).asDouble();
        }
        return out;
    }

    public static double[] flatRows(JsonNode rows) {
        List<Double> out = new ArrayList<>();
        rows.forEach(r -> r.forEach(v -> out.add(v.asDouble())));
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The fixture's module path for one of our targets (ours carry the export's wrapper prefix, e.g. 'm.'). */
    public String fixtureModule(LinearModule m) {
        for (JsonNode n : json.get("lora").get("modules")) {
            String f = n.asText();
            if (m.path().equals(f) || m.path().endsWith("." + f)) {
                return f;
            }
        }
        throw new IllegalStateException("No fixture module for " + m.path());
    }

    /** The fixture's key for one of our layout entries. */
    public String fixtureKey(ParameterLayout layout, List<LinearModule> targets, int entry) {
        String name = layout.entries().get(entry).name();
        if (entry >= 2 * targets.size()) {
            return name;
        }
        String fm = fixtureModule(targets.get(entry / 2));
        return ParameterLayout.loraKey(fm, entry % 2 == 0 ? "A" : "B");
    }

    /** Packs a fixture parameter dictionary into our flat layout. */
    public float[] flatParams(JsonNode dict, ParameterLayout layout, List<LinearModule> targets) {
        float[] flat = new float[layout.size()];
        for (int e = 0; e < layout.entries().size(); e++) {
            JsonNode t = dict.get(fixtureKey(layout, targets, e));
            if (t == null) {
                throw new IllegalStateException("Fixture lacks " + fixtureKey(layout, targets, e));
            }
            layout.set(flat, layout.entries().get(e).name(), tensor(t));
        }
        return flat;
    }

    /** Explicit masks (scaled) for one fixture mask set. */
    public Map<String, float[]> masks(JsonNode set, List<LinearModule> targets) {
        Map<String, float[]> out = new HashMap<>();
        if (set == null || set.isEmpty()) {
            return out;
        }
        float keep = (float) spec.lora().keepValue();
        for (int i = 0; i < targets.size(); i++) {
            JsonNode m = set.get(fixtureModule(targets.get(i)));
            if (m.has("input")) {
                out.put(ProgramGraphs.maskIn(i), scale(tensor(m.get("input")), keep));
            } else {
                out.put(ProgramGraphs.maskIn(i), tile(scale(tensor(m.get("A")), keep), batch.rows()));
                out.put(ProgramGraphs.maskOut(i), tile(scale(tensor(m.get("B")), keep), batch.rows()));
            }
        }
        return out;
    }

    /** Per-member sparse masks of the ensemble section, as [member][target][features]. */
    public List<float[][]> ensembleMasks(List<LinearModule> targets, String site) {
        List<float[][]> out = new ArrayList<>();
        float keep = (float) spec.lora().keepValue();
        for (JsonNode set : json.get("ensemble").get("mask_sets")) {
            float[][] per = new float[targets.size()][];
            for (int i = 0; i < targets.size(); i++) {
                per[i] = scale(tensor(set.get(fixtureModule(targets.get(i))).get(site)), keep);
            }
            out.add(per);
        }
        return out;
    }

    static float[] scale(float[] v, float s) {
        float[] o = v.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] *= s;
        }
        return o;
    }

    static float[] tile(float[] v, int times) {
        float[] o = new float[v.length * times];
        for (int t = 0; t < times; t++) {
            System.arraycopy(v, 0, o, t * v.length, v.length);
        }
        return o;
    }

    static Iterator<JsonNode> iter(JsonNode n) {
        return n.elements();
    }
}
