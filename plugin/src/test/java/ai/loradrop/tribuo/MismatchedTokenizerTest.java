/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.interop.TokenizerFit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** Collects the warnings of {@link TokenizerFit} while {@code r} runs. */
    static List<String> warnings(ThrowingRunnable r) throws Exception {
        List<String> out = new ArrayList<>();
        Logger log = Logger.getLogger(TokenizerFit.class.getName());
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord rec) {
                if (rec.getLevel().intValue() >= Level.WARNING.intValue()) {
                    out.add(rec.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            r.run();
        } finally {
            log.removeHandler(h);
        }
        return out;
    }

    /** A runnable that may throw. */
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Issue 12, defect 12 (tokenizer part): a tokenizer that does not belong to the encoder is detected where it can
     * be. Much smaller than the embedding table (another model's vocabulary): a warning. Special ids other than those
     * the adapter was trained with (here the same words in another order, so [CLS] and [SEP] have other ids): a
     * warning on import naming the ids. The tokenizer the adapter was trained with: no warning.
     */
    @Test
    void aTokenizerOfAnotherModelIsWarnedAbout() throws Exception {
        TinyFixture fx = new TinyFixture(tmp);
        // A 1000-row embedding table (the MiniLM-width test encoder) and an 8-word vocabulary.
        ai.loradrop.onnx.EncoderModel wide = ai.loradrop.onnx.EncoderModel.load(
                Path.of(getClass().getResource("/peft/minilm-width-legacy14-mean-sparse/model.onnx").toURI()));
        Path small = tmp.resolve("small-vocab.txt");
        Files.write(small, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "dog", "red", "rain"), StandardCharsets.UTF_8);
        ai.loradrop.text.WordPieceTokenizer smallTok = ai.loradrop.text.WordPieceTokenizer.fromFile(small);
        List<String> w = warnings(() -> TokenizerFit.check(smallTok, wide, "small", "wide"));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("8 ids") && w.get(0).contains("1000 embedding rows") && w.get(0).contains("another model"), w.get(0));
        assertEquals(List.of(), warnings(() -> TokenizerFit.check(smallTok, ai.loradrop.onnx.EncoderModel.load(fx.model), "small", "tiny")),
                "within the slack a table may be padded by");

        Path adapter = tmp.resolve("adapter");
        try (LoraDropModel m = fx.trainer().epochs(1).build().train(TinyFixture.dataset(4, 1))) {
            m.exportAdapter(adapter, ai.loradrop.interop.AdapterExportOptions.defaults());
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(fx.vocab, StandardCharsets.UTF_8));
        java.util.Collections.swap(lines, 2, 10);
        java.util.Collections.swap(lines, 3, 11);
        Path reordered = tmp.resolve("reordered-vocab.txt");
        Files.write(reordered, lines, StandardCharsets.UTF_8);
        w = warnings(() -> LoraDropModel.fromAdapter(fx.model, reordered, adapter, null, 0).close());
        assertTrue(w.stream().anyMatch(x -> x.contains("[CLS] id 10, trained with 2") && x.contains("[SEP] id 11, trained with 3")), w.toString());
        List<String> w2 = warnings(() -> LoraDropModel.fromAdapter(fx.model, fx.vocab, adapter, null, 0).close());
        assertTrue(w2.stream().noneMatch(x -> x.contains("trained with")), w2.toString());
    }
}
