package ai.loradrop.tribuo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tokenizer whose ids run past the encoder's embedding table (tokenizer and model do not belong together) is a
 * clear error before any training, not an index error deep inside ONNX Runtime.
 */
class MismatchedTokenizerTest {
    @TempDir
    Path tmp;

    @Test
    void tokenizerLargerThanTheEmbeddingTableIsRejected() throws Exception {
        TinyFixture fx = new TinyFixture(tmp);
        List<String> lines = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        for (int i = 0; i < 300; i++) {
            lines.add("word" + i);
        }
        Path big = tmp.resolve("big-vocab.txt");
        Files.write(big, lines, StandardCharsets.UTF_8);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> LoraDropTrainer.builder(fx.model, big).epochs(1).build().train(TinyFixture.dataset(4, 1)));
        assertTrue(e.getMessage().contains("305") && e.getMessage().contains("120") && e.getMessage().contains("embedding rows"),
                e.getMessage());
    }
}
