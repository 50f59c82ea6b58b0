/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BaseQuantization;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.FirstTokenPruning;
import ai.loradrop.onnx.Graph;
import ai.loradrop.optim.AdamWConfig;
import ai.onnx.proto.OnnxMl.ModelProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FirstTokenPruning}: a {@code FIRST_TOKEN} program computes the last layer for the first position only, with
 * the same loss, gradient and predictions as the whole layer (float base), less work, and no change to {@code MEAN}
 * programs.
 */
class FirstTokenPruningTest {
    @TempDir
    static Path tmp;

    private static EncoderModel miniLm() throws Exception {
        return EncoderModel.load(BundledMiniLM.extract(tmp.resolve("minilm")).onnx());
    }

    private static ClassifierSpec spec(Pooling pooling, DropoutMode mode) {
        LoraConfig lora = new LoraConfig(8, 16, false, List.of("query", "value"), null, mode,
                mode == DropoutMode.NONE ? 0 : 0.1, true);
        return new ClassifierSpec(lora, pooling, 3, 0.1);
    }

    @Test
    void miniLmLastLayerFeedForwardRunsOnOneRow() throws Exception {
        EncoderModel enc = miniLm();
        String ffn = "/encoder/layer.5/intermediate/dense/MatMul_output_0";
        String ffnEarlier = "/encoder/layer.4/intermediate/dense/MatMul_output_0";
        Batch b = batch(3, 10, 1);
        for (boolean prune : List.of(false, true)) {
            Graph g = new Graph(enc.model(), "/t/");
            g.clearOutputs();
            if (prune) {
                int before = g.size();
                assertTrue(FirstTokenPruning.apply(g, enc.hiddenOutput()), "MiniLM's last layer has the BERT shape");
                assertEquals(before + 3, g.size(), "three Slices (queries, residual, the mask's query row), nothing else");
            }
            g.addOutput(ffn, ai.loradrop.onnx.Tensors.FLOAT);
            g.addOutput(ffnEarlier, ai.loradrop.onnx.Tensors.FLOAT);
            try (ai.onnxruntime.OrtSession s = OrtSupport.session(g.toModel("probe"), 1);
                 ai.onnxruntime.OnnxTensor ids = OrtSupport.longs(b.inputIds(), b.rows(), b.seq());
                 ai.onnxruntime.OnnxTensor mask = OrtSupport.longs(b.attentionMask(), b.rows(), b.seq());
                 ai.onnxruntime.OnnxTensor types = OrtSupport.longs(b.tokenTypeIds(), b.rows(), b.seq());
                 ai.onnxruntime.OrtSession.Result r = s.run(java.util.Map.of(EncoderModel.INPUT_IDS, ids,
                         EncoderModel.ATTENTION_MASK, mask, EncoderModel.TOKEN_TYPE_IDS, types))) {
                long[] last = ((ai.onnxruntime.OnnxTensor) r.get(ffn).orElseThrow()).getInfo().getShape();
                long[] earlier = ((ai.onnxruntime.OnnxTensor) r.get(ffnEarlier).orElseThrow()).getInfo().getShape();
                assertArrayEquals(new long[]{3, prune ? 1 : 10, 1536}, last, "last layer's feed-forward rows");
                assertArrayEquals(new long[]{3, 10, 1536}, earlier, "the layer before keeps every position");
            }
        }
    }

    @Test
    void trainingStepHasTheSameLossAndGradientAsTheWholeLayer() throws Exception {
        EncoderModel enc = miniLm();
        for (DropoutMode mode : List.of(DropoutMode.INPUT, DropoutMode.SPARSE)) {
            ClassifierSpec spec = spec(Pooling.FIRST_TOKEN, mode);
            TrainStep.Result whole = step(enc, spec, false);
            TrainStep.Result pruned = step(enc, spec, true);
            assertEquals(whole.loss(), pruned.loss(), 1e-5 * Math.abs(whole.loss()), mode + " loss");
            assertClose(whole.logits(), pruned.logits(), 1e-4, mode + " logits");
            float scale = 0;
            for (float v : whole.gradient()) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 0);
            assertClose(whole.gradient(), pruned.gradient(), 1e-4 * scale, mode + " gradient");
        }
    }

    @Test
    void predictionsEqualTheWholeLayerOnFloatAndStayCloseOnInt8() throws Exception {
        EncoderModel enc = miniLm();
        ClassifierSpec spec = spec(Pooling.FIRST_TOKEN, DropoutMode.SPARSE);
        float[] params = params(enc, spec);
        Batch b = batch(5, 14, 2);
        for (EncoderModel e : List.of(enc, enc.quantized(BaseQuantization.INT8), enc.quantized(BaseQuantization.INT4))) {
            float[] whole = probabilities(e, spec, params, b, false);
            float[] pruned = probabilities(e, spec, params, b, true);
            // An int8 layer quantizes its input per tensor: the last layer's first rows alone get their own scale.
            double tol = e.linears().stream().anyMatch(ai.loradrop.onnx.LinearModule::isInt8) ? 2e-2 : 1e-5;
            assertClose(whole, pruned, tol, e.isQuantized() ? "quantized base" : "float base");
        }
    }

    @Test
    void meanPoolingProgramsAreUnchangedAndFirstTokenOnesPruned() throws Exception {
        EncoderModel enc = miniLm();
        ClassifierSpec spec = spec(Pooling.MEAN, DropoutMode.NONE);
        float[] params = params(enc, spec);
        ModelProto a = Predict.buildModel(enc, spec, params, true);
        ModelProto b = Predict.buildModel(enc.withFirstTokenPruning(false), spec, params, true);
        assertEquals(b.getGraph().getNodeCount(), a.getGraph().getNodeCount());
        assertEquals(count(b, "Slice"), count(a, "Slice"));
        ClassifierSpec cls = spec(Pooling.FIRST_TOKEN, DropoutMode.NONE);
        assertEquals(count(Predict.buildModel(enc.withFirstTokenPruning(false), cls, params, true), "Slice") + 3,
                count(Predict.buildModel(enc, cls, params, true), "Slice"), "the same parameters with [CLS] pooling are pruned");
    }

    @Test
    void otherExportsArePrunedExactlyOrLeftAlone() throws Exception {
        for (Path dir : PeftFixture.caseDirs()) {
            PeftFixture fx = PeftFixture.load(dir);
            ClassifierSpec spec = new ClassifierSpec(fx.spec.lora(), Pooling.FIRST_TOKEN, fx.spec.numClasses(), 0.0);
            float[] params = params(fx.encoder, spec);
            float[] whole = probabilities(fx.encoder, spec, params, fx.batch, false);
            float[] prunedProbabilities = probabilities(fx.encoder, spec, params, fx.batch, true);
            assertClose(whole, prunedProbabilities, 1e-5, fx.name);
            Graph g = new Graph(fx.encoder.model(), "/t/");
            g.clearOutputs();
            boolean pruned = FirstTokenPruning.apply(g, fx.encoder.hiddenOutput());
            // TorchScript exports (opset 14, 17; reshape targets from the layer input's shape, copied for the first
            // position) are pruned; the dynamo export takes its reshape targets from the inputs' symbolic sizes.
            assertEquals(!fx.name.contains("dynamo"), pruned, fx.name);
        }
    }

    private static TrainStep.Result step(EncoderModel enc, ClassifierSpec spec, boolean prune) throws Exception {
        try (TrainStep t = new TrainStep(enc.withFirstTokenPruning(prune), spec, AdamWConfig.defaults(), 1, 1)) {
            float[] p = t.layout().initialize(new SplittableRandom(4));
            Random r = new Random(6);
            for (int i = 0; i < p.length; i++) {
                if (p[i] == 0f) {
                    p[i] = 0.02f * (float) r.nextGaussian();
                }
            }
            t.setState(p, null, null);
            return t.step(batch(6, 16, 3), 1, 0f, 11);
        }
    }

    private static float[] probabilities(EncoderModel e, ClassifierSpec spec, float[] params, Batch b, boolean prune)
            throws Exception {
        try (Predict p = new Predict(e.withFirstTokenPruning(prune), spec, params, true, 1)) {
            return p.probabilities(b);
        }
    }

    private static float[] params(EncoderModel enc, ClassifierSpec spec) throws Exception {
        try (TrainStep t = new TrainStep(enc, spec, AdamWConfig.defaults(), 1, 1)) {
            float[] p = t.layout().initialize(new SplittableRandom(3));
            Random r = new Random(5);
            for (int i = 0; i < p.length; i++) {
                if (p[i] == 0f) {
                    p[i] = 0.05f * (float) r.nextGaussian();
                }
            }
            return p;
        }
    }

    private static Batch batch(int rows, int seq, long seed) {
        Random rnd = new Random(seed);
        long[] ids = new long[rows * seq];
        long[] mask = new long[rows * seq];
        long[] labels = new long[rows];
        float[] w = new float[rows];
        for (int r = 0; r < rows; r++) {
            int len = seq / 2 + rnd.nextInt(seq / 2 + 1);
            for (int t = 0; t < len; t++) {
                ids[r * seq + t] = t == 0 ? 101 : t == len - 1 ? 102 : 1000 + rnd.nextInt(20000);
                mask[r * seq + t] = 1;
            }
            labels[r] = r % 3;
            w[r] = 1f;
        }
        return new Batch(rows, seq, ids, mask, new long[rows * seq], labels, w);
    }

    private static long count(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }

    private static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(worst <= tol, what + ": max |difference| " + worst + " > " + tol);
    }
}
