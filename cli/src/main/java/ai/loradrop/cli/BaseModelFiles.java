/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.encoders.EncoderFiles;
import ai.loradrop.encoders.NamedEncoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The base encoder and tokenizer files a training run starts from, resolved from {@code --encoder NAME} (a named
 * encoder from the class path or the local Maven repository), or from {@code --base-model} and {@code --tokenizer}
 * (any export), or all-MiniLM-L6-v2 ({@link NamedEncoder#DEFAULT}) when none is given.
 *
 * @param onnx      the encoder, an ONNX file.
 * @param tokenizer the tokenizer: a {@code tokenizer.json} or a {@code vocab.txt}.
 * @param encoder   the named encoder the files came from, or null for {@code --base-model}.
 */
record BaseModelFiles(Path onnx, Path tokenizer, NamedEncoder encoder) {

    /** Where a model folder may keep its encoder, in order of preference. */
    static final List<String> ONNX_NAMES = List.of("model.onnx", "onnx/model.onnx");
    /** Where a model folder (or the folder of an .onnx file) may keep its tokenizer, in order of preference. */
    static final List<String> TOKENIZER_NAMES = List.of("tokenizer.json", "vocab.txt");

    /** The help lines of {@code --encoder}, one line per named encoder (from the registry). */
    static final String ENCODER_HELP = encoderHelp();

    private static String encoderHelp() {
        List<String> lines = new ArrayList<>();
        lines.add("  --encoder NAME           a named encoder from the local Maven repository (or the class path),");
        lines.add("                           with its pooling as the --pooling default [" + NamedEncoder.DEFAULT + "]:");
        for (NamedEncoder e : NamedEncoder.values()) {
            lines.add(String.format("                             %-18s %s", e.encoderName(), e.summary()));
        }
        return String.join("\n", lines);
    }

    /**
     * The encoder file of {@code --base-model} alone (a folder's model.onnx, or the file), without a tokenizer.
     * @param args parsed options holding {@code --base-model}.
     * @return the .onnx file.
     * @throws UsageException when it is missing or a folder lacks the file.
     */
    static Path resolveOnnx(Args args) {
        Path base = Path.of(args.require("--base-model"));
        if (!Files.exists(base)) {
            throw args.error("Base model given to --base-model not found: " + base);
        }
        if (!Files.isDirectory(base)) {
            return base;
        }
        return ONNX_NAMES.stream().map(base::resolve).filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> args.error("The folder " + base + " given to --base-model holds neither "
                        + String.join(" nor ", ONNX_NAMES)));
    }

    /**
     * Resolves the options.
     * @param args parsed options holding {@code --encoder}, {@code --base-model} and {@code --tokenizer}.
     * @return the files.
     * @throws UsageException when a path is missing, a folder lacks the files, an encoder name is unknown or
     *                        {@code --encoder} is given with {@code --base-model}/{@code --tokenizer}.
     * @throws ai.loradrop.encoders.EncoderNotFoundException when the named encoder is not in the local Maven
     *                        repository; its message ends with the command that fetches it.
     * @throws IOException when the named encoder cannot be extracted.
     */
    static BaseModelFiles resolve(Args args) throws IOException {
        Path tokenizer = args.optionalExistingFile("--tokenizer");
        if (args.has("--encoder")) {
            if (args.has("--base-model") || tokenizer != null) {
                throw args.error("--encoder and --base-model/--tokenizer are alternatives: give a named encoder or the files of an export");
            }
            NamedEncoder named;
            try {
                named = NamedEncoder.byName(args.require("--encoder"));
            } catch (IllegalArgumentException e) {
                throw args.error(e.getMessage());
            }
            return of(named.resolve());
        }
        if (!args.has("--base-model")) {
            if (tokenizer != null) {
                throw args.error("--tokenizer needs --base-model (a named encoder comes with its own tokenizer)");
            }
            return of(NamedEncoder.DEFAULT.resolve());
        }
        Path base = Path.of(args.require("--base-model"));
        if (!Files.exists(base)) {
            throw args.error("Base model given to --base-model not found: " + base);
        }
        Path onnx;
        List<Path> tokenizerDirs;
        if (Files.isDirectory(base)) {
            onnx = ONNX_NAMES.stream().map(base::resolve).filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> args.error("The folder " + base + " given to --base-model holds neither "
                            + String.join(" nor ", ONNX_NAMES)));
            tokenizerDirs = List.of(base);
        } else {
            onnx = base;
            Path dir = base.toAbsolutePath().getParent();
            // Hugging Face exports often keep the ONNX file in onnx/ and the tokenizer one folder up.
            tokenizerDirs = dir.getParent() != null ? List.of(dir, dir.getParent()) : List.of(dir);
        }
        if (tokenizer == null) {
            tokenizer = tokenizerDirs.stream().flatMap(d -> TOKENIZER_NAMES.stream().map(d::resolve))
                    .filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> args.error("No tokenizer.json or vocab.txt found beside " + onnx
                            + "; give one with --tokenizer"));
        }
        return new BaseModelFiles(onnx, tokenizer, null);
    }

    private static BaseModelFiles of(EncoderFiles files) {
        return new BaseModelFiles(files.onnx(), files.tokenizer(), files.encoder());
    }

    /**
     * The pooling an adapter without LoRA-Drop's sidecar gets when {@code --pooling} is not given.
     * @return the named encoder's, else MEAN.
     */
    ai.loradrop.head.Pooling defaultPooling() {
        return encoder != null ? encoder.pooling() : ai.loradrop.head.Pooling.MEAN;
    }
}
