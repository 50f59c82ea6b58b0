/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.onnx.Graph;
import ai.loradrop.onnx.Tensors;
import ai.loradrop.programs.OrtSupport;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-op summary of a real ONNX Runtime trace: runs after the warm-up, calls per run, FLOPs of a MatMul. */
class ProfileBenchTest {
    @TempDir
    Path tmp;

    @Test
    void summarizesARealTrace() throws Exception {
        Graph g = graphWithInputs();
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm").addInput("a").addInput("b").addOutput("c").build());
        g.addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("c").addOutput("y").build());
        g.addOutput("y", Tensors.FLOAT);
        String trace = profileFiveRuns(g, "trace");
        Map<String, Object> p = ProfileBench.summarize(Path.of(trace), 100.0, 2);
        assertEquals(3, p.get("runs"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ops = (List<Map<String, Object>>) p.get("ops");
        Map<String, Object> mm = ops.stream().filter(o -> o.get("op").equals("MatMul")).findFirst().orElseThrow();
        assertEquals(1L, mm.get("calls_per_run"));
        assertEquals(2.0 * 4 * 64 * 32 * 16 / 1e9, (Double) mm.get("gflop_per_run"), 1e-3);
        double shares = ops.stream().mapToDouble(o -> (Double) o.get("share")).sum();
        assertEquals(1.0, shares, 1e-3);
    }

    @Test
    void splitsFrozenLinearGemmsFromTheRest() throws Exception {
        Graph g = graphWithInputs();
        g.addInitializer(Tensors.floats("w", new long[]{32, 16}, new float[32 * 16]));
        // The frozen Linear: its weight is an initializer. The other product's operands are both inputs, as LoRA's are.
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("frozen").addInput("a").addInput("w").addOutput("c").build());
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("lora").addInput("a").addInput("b").addOutput("d").build());
        g.addNode(NodeProto.newBuilder().setOpType("Add").setName("sum").addInput("c").addInput("d").addOutput("y").build());
        g.addOutput("y", Tensors.FLOAT);
        String trace = profileFiveRuns(g, "trace2");
        ObjectMapper m = new ObjectMapper();
        double frozenUs = 0;
        double allUs = 0;
        var events = m.readTree(java.nio.file.Files.readAllBytes(Path.of(trace)));
        List<Long> runStarts = new java.util.ArrayList<>();
        for (var e : events) {
            if ("model_run".equals(e.path("name").asText())) {
                runStarts.add(e.path("ts").asLong());
            }
        }
        java.util.Collections.sort(runStarts);
        long firstCounted = runStarts.get(2);
        for (var e : events) {
            if ("Node".equals(e.path("cat").asText()) && e.path("name").asText().endsWith("_kernel_time")
                    && e.path("ts").asLong() >= firstCounted) {
                allUs += e.path("dur").asLong();
                if (e.path("name").asText().startsWith("frozen")) {
                    frozenUs += e.path("dur").asLong();
                }
            }
        }
        Map<String, Object> p = ProfileBench.summarize(Path.of(trace), 100.0, 2);
        assertTrue(frozenUs > 0, "the frozen product ran");
        assertEquals(frozenUs / 3 / 1e3, (Double) p.get("frozen_gemm_ms"), 0.011);
        assertEquals((allUs - frozenUs) / 3 / 1e3, (Double) p.get("other_kernel_ms"), 0.011);
    }

    @Test
    void countsTransposedOperandsOnce() throws Exception {
        ObjectMapper m = new ObjectMapper();
        // FusedMatMul with transA: A [2048, 8]ᵀ · B [2048, 384] → [8, 384], K = 2048.
        double f = ProfileBench.matrixFlops(m.readTree(
                "{\"input_type_shape\":[{\"float\":[2048,8]},{\"float\":[2048,384]}],\"output_type_shape\":[{\"float\":[8,384]}]}"));
        assertEquals(2.0 * 8 * 384 * 2048, f, 1);
        // Batched attention scores: [32, 12, 64, 32] · [32, 12, 32, 64] → [32, 12, 64, 64], K = 32.
        double s = ProfileBench.matrixFlops(m.readTree(
                "{\"input_type_shape\":[{\"float\":[32,12,64,32]},{\"float\":[32,12,32,64]}],\"output_type_shape\":[{\"float\":[32,12,64,64]}]}"));
        assertEquals(2.0 * 32 * 12 * 64 * 64 * 32, s, 1);
    }

    /** An empty opset-17 graph with the inputs {@code a [4, 64, 32]} and {@code b [32, 16]}. */
    private static Graph graphWithInputs() {
        ModelProto template = ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(GraphProto.newBuilder().setName("t")).build();
        Graph g = new Graph(template, "/t/");
        g.addInput("a", Tensors.FLOAT, 4L, 64L, 32L);
        g.addInput("b", Tensors.FLOAT, 32L, 16L);
        return g;
    }

    /** Runs a graph of {@link #graphWithInputs} five times with ONNX Runtime's profiler on; returns the trace file. */
    private String profileFiveRuns(Graph g, String name) throws Exception {
        String previous = System.getProperty("loradrop.profile");
        System.setProperty("loradrop.profile", tmp.resolve(name).toString());
        try (OrtSession s = OrtSupport.session(g.toModel("t"), 1);
             OnnxTensor a = OrtSupport.floats(new float[4 * 64 * 32], 4, 64, 32);
             OnnxTensor b = OrtSupport.floats(new float[32 * 16], 32, 16)) {
            for (int i = 0; i < 5; i++) {
                try (OrtSession.Result r = s.run(Map.of("a", a, "b", b))) {
                    r.get(0);
                }
            }
            return s.endProfiling();
        } finally {
            if (previous == null) {
                System.clearProperty("loradrop.profile");
            } else {
                System.setProperty("loradrop.profile", previous);
            }
        }
    }
}
