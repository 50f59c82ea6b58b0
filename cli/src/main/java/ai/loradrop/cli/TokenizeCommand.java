/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.text.Encoding;
import ai.loradrop.text.Tokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code loradrop tokenize}: what the encoder sees — the ids, token type ids and tokens of every input text (or
 * pair), as the trainer and the model compute them, one JSON object a line.
 */
final class TokenizeCommand {
    private TokenizeCommand() {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static final String USAGE = "loradrop tokenize (--tokenizer F | --encoder NAME) --input F --output F.jsonl [--max-length N]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Tokenizes texts the way training and prediction do (special tokens, type ids, truncation), for checking",
            "and debugging what the encoder sees. One JSON object a line: ids, type_ids, tokens, truncated.",
            "",
            "  --tokenizer F            a Hugging Face tokenizer.json (WordPiece, BPE, Unigram, WordLevel) or a",
            "                           BERT vocab.txt",
            "  --encoder NAME           the tokenizer of a named encoder (see loradrop train --help)",
            "  --input F                .jsonl/.ndjson: one object a line with \"text\" and optional \"text_pair\";",
            "                           any other file: one text a line",
            "  --output F.jsonl         where the encodings go (written atomically; never the input)",
            "  --max-length N           truncate to N tokens, special tokens included [no truncation]");

    static int run(List<String> args, PrintStream out) throws Exception {
        Args a = Args.parse(args, List.of(), List.of("--tokenizer", "--encoder", "--input", "--output", "--max-length"), USAGE);
        if (a.has("--tokenizer") == a.has("--encoder")) {
            throw a.error("Give either --tokenizer F or --encoder NAME");
        }
        Path tokenizerFile = a.has("--tokenizer") ? a.existingFile("--tokenizer") : null;
        Path input = a.existingFile("--input");
        Path output = a.outputFile("--output");
        if (Files.exists(output) && Files.isSameFile(input, output)) {
            throw a.error("--output " + output + " is the --input file; choose another output");
        }
        if (tokenizerFile != null && Files.exists(output) && Files.isSameFile(tokenizerFile, output)) {
            throw a.error("--output " + output + " is the --tokenizer file; choose another output");
        }
        int maxLength = a.intValue("--max-length", Integer.MAX_VALUE);
        if (maxLength < 1) {
            throw a.error("--max-length must be at least 1, got " + maxLength);
        }
        if (tokenizerFile == null) {
            tokenizerFile = BaseModelFiles.resolve(a).tokenizer();
        }
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.fromFile(tokenizerFile);
        } catch (IllegalArgumentException e) {
            throw a.error("Cannot load --tokenizer " + tokenizerFile + ": " + e.getMessage());
        }
        String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = name.endsWith(".jsonl") || name.endsWith(".ndjson");
        List<String> lines = Files.readAllLines(input, StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int count = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            String text;
            String pair = null;
            if (json) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = MAPPER.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(input + " line " + (i + 1) + ": invalid JSON: " + e.getOriginalMessage());
                }
                if (n == null || !n.isObject() || !n.path("text").isTextual()) {
                    throw new IllegalArgumentException(input + " line " + (i + 1) + ": expected an object with a string \"text\"");
                }
                text = n.get("text").asText();
                JsonNode p = n.get("text_pair");
                if (p != null && !p.isNull()) {
                    if (!p.isTextual()) {
                        throw new IllegalArgumentException(input + " line " + (i + 1) + ": \"text_pair\" must be a string");
                    }
                    pair = p.asText();
                }
            } else {
                text = line;
            }
            Encoding e;
            try {
                e = pair == null ? tokenizer.encode(text, maxLength) : tokenizer.encodePair(text, pair, maxLength);
            } catch (IllegalArgumentException err) {
                throw a.error("--max-length " + maxLength + ": " + err.getMessage());
            }
            ObjectNode o = MAPPER.createObjectNode();
            o.put("line", i + 1);
            ArrayNode ids = o.putArray("ids");
            ArrayNode types = o.putArray("type_ids");
            ArrayNode tokens = o.putArray("tokens");
            for (int k = 0; k < e.length(); k++) {
                ids.add(e.inputId(k));
                types.add(e.typeId(k));
                tokens.add(tokenizer.token(e.inputId(k)));
            }
            o.put("truncated", e.truncated());
            bytes.write(MAPPER.writeValueAsBytes(o));
            bytes.write('\n');
            count++;
        }
        ai.loradrop.io.AtomicFiles.write(output, "encodings", bytes.toByteArray());
        out.println("Tokenized " + count + " input" + (count == 1 ? "" : "s") + " with a " + tokenizer.modelType()
                + " tokenizer (" + tokenizer.vocabSize() + " ids); written to " + output);
        return 0;
    }
}
