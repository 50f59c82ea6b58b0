/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.optim.AdamWConfig;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Prediction programs run ONNX Runtime's {@code SkipLayerNormalization} in place of each residual
 * {@code Add → LayerNormalization} ({@link ai.loradrop.onnx.Fusions#skipLayerNorm}); the graph they export stays
 * standard ONNX, and both compute the same logits.
 */
class SkipLayerNormFusionTest {
    @TempDir
    static Path tmp;

    @Test
    void fusedPredictionEqualsTheStandardGraph() throws Exception {
        EncoderModel enc = EncoderModel.load(BundledMiniLM.extract(tmp.resolve("minilm")).onnx());
        LoraConfig lora = new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.NONE, 0.0, true);
        ClassifierSpec spec = new ClassifierSpec(lora, Pooling.MEAN, 3, 0.0);
        float[] params;
        try (TrainStep t = new TrainStep(enc, spec, AdamWConfig.defaults(), 1, 1)) {
            params = t.layout().initialize(new SplittableRandom(3));
            new Random(5).ints(0, params.length).limit(params.length / 2).forEach(i -> params[i] = 0.05f);
        }
        Batch b = batch();
        for (EncoderModel e : List.of(enc, enc.quantized())) {
            ModelProto standard = Predict.buildModel(e, spec, params, true);
            assertEquals(0, count(standard, "SkipLayerNormalization"), "the exported graph stays standard ONNX");
            try (Predict p = new Predict(e, spec, params, true, 1);
                 OrtSession raw = OrtSupport.session(standard, 1);
                 OnnxTensor ids = OrtSupport.longs(b.inputIds(), b.rows(), b.seq());
                 OnnxTensor mask = OrtSupport.longs(b.attentionMask(), b.rows(), b.seq());
                 OnnxTensor types = OrtSupport.longs(b.tokenTypeIds(), b.rows(), b.seq());
                 OrtSession.Result r = raw.run(Map.of(EncoderModel.INPUT_IDS, ids, EncoderModel.ATTENTION_MASK, mask,
                         EncoderModel.TOKEN_TYPE_IDS, types), java.util.Set.of(Predict.LOGITS))) {
                // 6 layers x 2 residual LayerNorms; the embeddings' LayerNorm has no residual input and stays.
                assertEquals(12, count(p.model(), "SkipLayerNormalization"));
                assertEquals(1, count(p.model(), "LayerNormalization"));
                float[] want = OrtSupport.readFloats(r, Predict.LOGITS);
                float[] got = p.logits(b);
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-4, "logit " + i + (e.isQuantized() ? " (int8 base)" : ""));
                }
            }
        }
    }

    private static long count(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }

    private static Batch batch() {
        Random rnd = new Random(1);
        int rows = 4;
        int seq = 12;
        long[] ids = new long[rows * seq];
        long[] mask = new long[rows * seq];
        for (int r = 0; r < rows; r++) {
            int len = seq - 2 * r;
            for (int s = 0; s < len; s++) {
                ids[r * seq + s] = s == 0 ? 101 : s == len - 1 ? 102 : 2000 + rnd.nextInt(8000);
                mask[r * seq + s] = 1;
            }
        }
        return new Batch(rows, seq, ids, mask, new long[rows * seq], new long[rows], new float[rows]);
    }
}
