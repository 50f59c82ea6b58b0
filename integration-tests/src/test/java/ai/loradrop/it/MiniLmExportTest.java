/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.interop.AdapterExportOptions;
import ai.loradrop.interop.MergedOnnxExport;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.text.Encoding;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextExamples;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both exports of a LoRA-Drop model on the real all-MiniLM-L6-v2: the merged ONNX classifier reproduces the model's
 * probabilities in a plain ONNX Runtime session (padded batch, token type ids), and the PEFT adapter uses the bare
 * {@code BertModel} key layout and reads back to the same predictions.
 */
class MiniLmExportTest {
    @TempDir
    Path tmp;

    /**
     * Issue 12, defect 13: the merged export of the real MiniLM (an opset-11 TorchScript export whose LayerNorms
     * LoRA-Drop fuses) passes {@code onnx.checker.check_model(model, full_check=True)}. The parameters are random
     * (validity does not depend on training).
     */
    @Test
    void mergedMiniLmExportPassesTheFullOnnxChecker() throws Exception {
        BundledMiniLM.Paths files = BundledMiniLM.extract(tmp.resolve("minilm-checker"));
        ai.loradrop.onnx.EncoderModel encoder = ai.loradrop.onnx.EncoderModel.load(files.onnx());
        ai.loradrop.programs.ClassifierSpec spec = new ai.loradrop.programs.ClassifierSpec(
                ai.loradrop.lora.LoraConfig.defaults(), ai.loradrop.head.Pooling.MEAN, 3, 0.0);
        int n = new ai.loradrop.programs.ParameterLayout(ai.loradrop.lora.LoraSurgery.select(encoder, spec.lora()),
                spec.lora().rank(), encoder.hiddenSize(), 3).size();
        float[] params = new float[n];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            params[i] = (float) (rnd.nextDouble(-0.02, 0.02));
        }
        Path onnx = tmp.resolve("minilm-random.onnx");
        MergedOnnxExport.write(onnx, encoder, spec, params, MergedOnnxExport.Options.defaults());
        ai.loradrop.interop.OnnxChecker.assertValid(onnx);
    }

    @Test
    void mergedOnnxAndPeftAdapterReproduceTheModel() throws Exception {
        BundledMiniLM.Paths files = BundledMiniLM.extract(tmp.resolve("minilm"));
        List<Example<Label>> rows = MiniLmTrainingTest.rows("train.csv", 64, 5);
        MutableDataset<Label> train = new MutableDataset<>(new SimpleDataSourceProvenance("wordnet glosses", new LabelFactory()),
                new LabelFactory());
        rows.subList(0, 48).forEach(train::add);
        List<String> texts = new ArrayList<>();
        rows.subList(48, 64).forEach(e -> texts.add(TextExamples.text(e, TextExamples.DEFAULT_TEXT_KEY).orElseThrow()));
        LoraDropModel model = LoraDropTrainer.builder(files.onnx(), files.tokenizer()).maxLength(48).epochs(1).batchSize(16)
                .learningRate(3e-3).threads(2).logIntervalSeconds(60).build().train(train);
        try (model) {
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < model.getOutputIDInfo().size(); i++) {
                labels.add(model.getOutputIDInfo().getOutput(i).getLabel());
            }
            double[][] want = new double[texts.size()][];
            for (int i = 0; i < texts.size(); i++) {
                Map<String, Label> s = model.predict(texts.get(i)).getOutputScores();
                want[i] = labels.stream().mapToDouble(l -> s.get(l).getScore()).toArray();
            }

            Path onnx = tmp.resolve("minilm-classifier.onnx");
            model.exportOnnx(onnx);
            float[][] got = run(onnx, model, texts);
            for (int i = 0; i < want.length; i++) {
                for (int j = 0; j < labels.size(); j++) {
                    assertEquals(want[i][j], got[i][j], 1e-5, "text " + i + " class " + labels.get(j));
                }
            }

            Path adapter = tmp.resolve("minilm-adapter");
            model.exportAdapter(adapter, AdapterExportOptions.defaults().withBaseModel("sentence-transformers/all-MiniLM-L6-v2"));
            String header = header(adapter.resolve(PeftAdapter.WEIGHTS_FILE));
            assertTrue(header.contains("\"base_model.model.encoder.layer.0.attention.self.query.lora_A.weight\"")
                    && header.contains("\"base_model.model.encoder.layer.5.attention.self.value.lora_B.weight\"")
                    && header.contains("\"base_model.model.classifier.weight\""), header);
            try (LoraDropModel back = LoraDropModel.fromAdapter(files.onnx(), files.tokenizer(), adapter, null, 48)) {
                List<Prediction<Label>> ps = new ArrayList<>();
                for (String t : texts) {
                    ps.add(back.predict(t));
                }
                for (int i = 0; i < want.length; i++) {
                    for (int j = 0; j < labels.size(); j++) {
                        assertEquals(want[i][j], ps.get(i).getOutputScores().get(labels.get(j)).getScore(), 1e-6,
                                "adapter round trip, text " + i);
                    }
                }
            }
        }
    }

    /** The probabilities of the exported file for texts padded into one batch. */
    static float[][] run(Path onnx, LoraDropModel m, List<String> texts) throws Exception {
        List<Encoding> enc = new ArrayList<>();
        int seq = 0;
        for (String t : texts) {
            enc.add(m.getTokenizer().encode(t, m.getMaxLength()));
            seq = Math.max(seq, enc.get(enc.size() - 1).length());
        }
        int n = texts.size();
        long[] ids = new long[n * seq];
        long[] mask = new long[n * seq];
        long[] types = new long[n * seq];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < enc.get(i).length(); j++) {
                ids[i * seq + j] = enc.get(i).inputId(j);
                mask[i * seq + j] = 1;
                types[i * seq + j] = enc.get(i).typeId(j);
            }
            for (int j = enc.get(i).length(); j < seq; j++) {
                ids[i * seq + j] = m.getTokenizer().padId();
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertEquals(m.getProvenance(), ONNXExportable.SERIALIZER.deserializeAndUnmarshal(meta.get(MergedOnnxExport.TRIBUO_PROVENANCE)));
            assertTrue(s.getInputNames().contains("token_type_ids"), "MiniLM takes token type ids");
            Map<String, OnnxTensor> feeds = new HashMap<>();
            long[] shape = {n, seq};
            try {
                feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
                feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
                try (OrtSession.Result r = s.run(feeds)) {
                    return (float[][]) r.get("probabilities").orElseThrow().getValue();
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
    }

    private static String header(Path safetensors) throws Exception {
        byte[] b = Files.readAllBytes(safetensors);
        long len = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(b, 8, (int) len, StandardCharsets.UTF_8);
    }
}
