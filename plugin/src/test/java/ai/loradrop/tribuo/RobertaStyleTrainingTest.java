/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.text.HfTokenizer;
import ai.loradrop.text.LongText;
import ai.loradrop.tribuo.data.TextExamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RoBERTa path (byte-level BPE, &lt;s&gt;/&lt;/s&gt;, position ids offset by the padding index, no token types)
 * and the XLM-R path (Unigram) end to end through the trainer and the model, on the small exports of
 * {@link RobertaStyleExports}; and long documents (TRUNCATE vs HEAD_TAIL vs WINDOWS) on a task whose evidence sits at
 * the end of the text.
 */
class RobertaStyleTrainingTest {
    static final List<String> CLASSES = List.of("licence", "warranty", "source");
    static final List<String> KEYWORDS = List.of("license", "warranty", "source");
    static final List<String> FILLERS = List.of("the", "of", "and", "to", "or", "any", "this", "that", "you", "for",
            "in", "by", "such", "with", "may", "not", "be", "as", "all", "other");

    @TempDir
    Path dir;

    /** Copies one of the committed exports into a folder. */
    static Path[] export(String which, Path into) throws IOException {
        Path folder = Files.createDirectories(into.resolve(which));
        Path[] files = {folder.resolve("model.onnx"), folder.resolve("tokenizer.json")};
        for (Path f : files) {
            try (InputStream in = RobertaStyleTrainingTest.class.getResourceAsStream("/roberta-style/" + which + "/"
                    + f.getFileName())) {
                Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return files;
    }

    /** A keyword among {@code fillers} filler words, at a random position from {@code from} (a fraction) on. */
    static String text(int cls, int fillers, double from, Random rnd) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < fillers; i++) {
            words.add(FILLERS.get(rnd.nextInt(FILLERS.size())));
        }
        int lo = (int) (from * fillers);
        words.add(lo + rnd.nextInt(fillers - lo + 1), KEYWORDS.get(cls));
        return String.join(" ", words);
    }

    static MutableDataset<Label> data(int perClass, int fillers, double from, long seed) {
        Random rnd = new Random(seed);
        MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("keywords " + seed, new LabelFactory()),
                new LabelFactory());
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < CLASSES.size(); c++) {
                d.add(TextExamples.of(text(c, fillers, from, rnd), new Label(CLASSES.get(c))));
            }
        }
        return d;
    }

    static LoraDropTrainer.Builder trainer(Path[] files) {
        return LoraDropTrainer.builder(files[0], files[1]).maxLength(24).rank(4).alpha(8).epochs(10).batchSize(8)
                .learningRate(1e-2).warmupFraction(0.0).threads(1).logIntervalSeconds(60);
    }

    static double accuracy(Model<Label> m, MutableDataset<Label> test) {
        return new LabelEvaluator().evaluate(m, test).accuracy();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bpe", "unigram"})
    void trainsPredictsAndRoundTrips(String which) throws Exception {
        Path[] files = export(which, dir);
        EncoderModel encoder = EncoderModel.load(files[0]);
        assertFalse(encoder.hasTokenTypes(), "a RoBERTa-style export takes no token_type_ids");
        MutableDataset<Label> test = data(10, 5, 0, 2);
        try (LoraDropModel m = trainer(files).build().train(data(20, 5, 0, 1))) {
            HfTokenizer tok = assertInstanceOf(HfTokenizer.class, m.getTokenizer());
            assertEquals(which.equals("bpe") ? "BPE" : "Unigram", tok.modelType());
            assertEquals(1, tok.padId(), "<pad> is id 1, RoBERTa's padding index");
            assertArrayEquals(new int[]{0, 2}, tok.singleSpecialIds());
            double acc = accuracy(m, test);
            assertTrue(acc >= 0.9, which + " accuracy " + acc);
            // the tokenizer.json travels inside the model, with the hash of the file
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(files[1])));
            assertEquals(sha, tok.sourceSha256());
            assertTrue(m.getProvenance().toString().contains(sha), "the tokenizer hash is in the provenance");
            Path saved = dir.resolve(which + ".tribuo");
            Files.write(saved, m.serialize().toByteArray());
            Files.delete(files[1]);
            try (LoraDropModel back = assertInstanceOf(LoraDropModel.class, Model.deserializeFromFile(saved))) {
                assertEquals(sha, back.getTokenizer().sourceSha256());
                List<Prediction<Label>> a = m.predict(test);
                List<Prediction<Label>> b = back.predict(test);
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(a.get(i).getOutput().getScore(), b.get(i).getOutput().getScore(), 1e-6);
                }
            }
        }
    }

    @Test
    void windowsReadTheWholeDocument() throws Exception {
        Path[] files = export("bpe", dir);
        // ~60 fillers and the keyword in the last 40%: at maxLength 24 truncation never sees it.
        MutableDataset<Label> train = data(24, 60, 0.6, 3);
        MutableDataset<Label> test = data(8, 60, 0.6, 4);
        double truncate;
        try (LoraDropModel m = trainer(files).epochs(20).longText(LongText.TRUNCATE).build().train(train)) {
            truncate = accuracy(m, test);
        }
        try (LoraDropModel m = trainer(files).epochs(20).longText(LongText.WINDOWS).windowStride(11).build().train(train)) {
            assertEquals(LongText.WINDOWS, m.getLongText());
            double windows = accuracy(m, test);
            assertTrue(windows >= 0.8 && windows > truncate + 0.3, "windows " + windows + " vs truncate " + truncate);
            // one prediction per document, with the mean of its windows' probabilities
            List<Prediction<Label>> p = m.predict(test);
            assertEquals(test.size(), p.size());
            // the same model reading only the first window is no better than truncation
            try (LoraDropModel first = m.withLongText(LongText.TRUNCATE, 11)) {
                assertTrue(accuracy(first, test) < windows - 0.3);
            }
        }
    }
}
