package ai.loradrop.cli;

import ai.loradrop.onnx.BundledMiniLM;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The base encoder and tokenizer files a training run starts from, resolved from {@code --base-model} and
 * {@code --tokenizer}, or the all-MiniLM-L6-v2 bundled on the class path when neither is given.
 *
 * @param onnx      the encoder, an ONNX file.
 * @param tokenizer the tokenizer: a {@code tokenizer.json} or a {@code vocab.txt}.
 */
record BaseModelFiles(Path onnx, Path tokenizer) {

    /** Where a model folder may keep its encoder, in order of preference. */
    static final List<String> ONNX_NAMES = List.of("model.onnx", "onnx/model.onnx");
    /** Where a model folder (or the folder of an .onnx file) may keep its tokenizer, in order of preference. */
    static final List<String> TOKENIZER_NAMES = List.of("tokenizer.json", "vocab.txt");

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
     * @param args parsed options holding {@code --base-model} and {@code --tokenizer}.
     * @return the files.
     * @throws UsageException when a path is missing or a folder lacks the files.
     * @throws IOException when the bundled model cannot be extracted.
     */
    static BaseModelFiles resolve(Args args) throws IOException {
        Path tokenizer = args.optionalExistingFile("--tokenizer");
        if (!args.has("--base-model")) {
            if (tokenizer != null) {
                throw args.error("--tokenizer needs --base-model (the bundled MiniLM comes with its own tokenizer)");
            }
            BundledMiniLM.Paths p = BundledMiniLM.extract();
            return new BaseModelFiles(p.onnx(), p.tokenizer());
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
        return new BaseModelFiles(onnx, tokenizer);
    }
}
