/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.text.Tokenizer;
import ai.loradrop.tribuo.data.TextDataSource;
import org.tribuo.Example;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokenizer throughput, single-threaded, on the WordNet training texts at {@code maxLength} 128: what ships for each
 * tokenizer type (the pure-Java WordPiece for WordPiece, Hugging Face tokenizers through DJL for BPE and Unigram), and
 * Hugging Face tokenizers on the same WordPiece file for the ratio. Every tokenizer encodes the same texts in the same
 * run, in turns, so the ratios are measured under the same load.
 */
final class TokenizerBench {
    private TokenizerBench() {}

    /**
     * Measures.
     * @param repo the repository root (for the data set and the test tokenizer files).
     * @param quick fewer passes.
     * @param table receives the table rows.
     * @return the JSON section: texts/s and word pieces/s per tokenizer, and ratios to the pure-Java WordPiece.
     * @throws IOException when a file cannot be read.
     */
    static Map<String, Object> run(Path repo, boolean quick, List<String[]> table) throws IOException {
        List<String> texts = new ArrayList<>();
        for (Example<Label> e : new TextDataSource(repo.resolve("examples/data/wordnet-supersenses/train.csv"))) {
            texts.add((String) e.getMetadataValue("text").orElseThrow());
        }
        Path minilm = BundledMiniLM.extract().tokenizer();
        Path tokenizers = repo.resolve("plugin/src/test/resources/tokenizer");
        Map<String, Tokenizer> shipped = new LinkedHashMap<>();
        shipped.put("wordpiece_java", Tokenizer.fromFile(minilm));
        shipped.put("wordpiece_hf", ai.loradrop.text.HfTokenizer.fromFile(minilm));
        shipped.put("bytelevel_bpe_hf", Tokenizer.fromFile(tokenizers.resolve("roberta-bytelevel-bpe.json")));
        shipped.put("unigram_hf", Tokenizer.fromFile(tokenizers.resolve("xlmr-unigram.json")));
        Map<String, long[]> totals = new LinkedHashMap<>();
        shipped.keySet().forEach(k -> totals.put(k, new long[2]));
        int rounds = quick ? 2 : 5;
        for (int round = 0; round <= rounds; round++) {
            for (Map.Entry<String, Tokenizer> e : shipped.entrySet()) {
                long pieces = 0;
                long t0 = System.nanoTime();
                for (String t : texts) {
                    pieces += e.getValue().encode(t, 128).length();
                }
                long ns = System.nanoTime() - t0;
                if (round > 0) {  // round 0 warms up
                    totals.get(e.getKey())[0] += ns;
                    totals.get(e.getKey())[1] += pieces;
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("texts", texts.size());
        out.put("threads", 1);
        double base = 0;
        for (Map.Entry<String, long[]> e : totals.entrySet()) {
            double seconds = e.getValue()[0] / 1e9;
            double textsPerS = rounds * (double) texts.size() / seconds;
            double piecesPerS = e.getValue()[1] / seconds;
            if (base == 0) {
                base = textsPerS;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("texts_per_s", BenchCommand.round(textsPerS, 0));
            m.put("tokens_per_s", BenchCommand.round(piecesPerS, 0));
            m.put("ratio_to_wordpiece_java", BenchCommand.round(textsPerS / base, 3));
            out.put(e.getKey(), m);
            table.add(new String[]{"tokenize " + e.getKey().replace('_', ' ') + " (1 thread)",
                    String.format("%.0f texts/s", textsPerS), String.format("%.0f tokens/s", piecesPerS),
                    String.format("%.2fx WordPiece Java", textsPerS / base)});
        }
        return out;
    }
}
