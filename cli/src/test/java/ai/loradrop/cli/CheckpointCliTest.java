package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --checkpoint-dir D --checkpoint-every N} writes checkpoints, and {@code --resume} on a finished run
 * continues from the last one and yields the same parameters as the run that wrote it.
 */
class CheckpointCliTest {
    @TempDir
    Path dir;

    @Test
    void checkpointsAreWrittenAndResumeReproducesTheRun() throws Exception {
        Path enc = Files.createDirectories(dir.resolve("enc"));
        Files.copy(TinyModelCliTest.TINY_ONNX, enc.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(TinyModelCliTest.KEYWORDS);
        vocab.addAll(TinyModelCliTest.FILLERS);
        Files.write(enc.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        Path train = TinyModelCliTest.writeCsv(dir.resolve("train.csv"), 12, 1);
        Path ckpt = dir.resolve("ckpt");
        List<String> common = List.of("train", "--train", train.toString(), "--base-model", enc.toString(),
                "--max-length", "16", "--rank", "4", "--alpha", "8", "--epochs", "3", "--batch-size", "8",
                "--learning-rate", "1e-2", "--threads", "1", "--checkpoint-dir", ckpt.toString(), "--checkpoint-every", "2");
        Path first = dir.resolve("first.tribuo");
        CliRun a = CliRun.of(concat(common, "--output", first.toString()));
        assertEquals(0, a.code(), a.toString());
        List<Path> written;
        try (Stream<Path> s = Files.walk(ckpt)) {
            written = s.filter(p -> p.getFileName().toString().equals("checkpoint.bin")).toList();
        }
        assertEquals(1, written.size(), "one checkpoint file per train call: " + written);
        Path second = dir.resolve("second.tribuo");
        CliRun b = CliRun.of(concat(common, "--resume", "--output", second.toString()));
        assertEquals(0, b.code(), b.toString());
        try (LoraDropModel m1 = SavedModel.load(first); LoraDropModel m2 = SavedModel.load(second)) {
            assertArrayEquals(m1.getParameters(), m2.getParameters(), "resuming a finished run keeps its parameters");
            assertTrue(m1.getParameters().length > 0);
        }
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out.toArray(new String[0]);
    }
}
