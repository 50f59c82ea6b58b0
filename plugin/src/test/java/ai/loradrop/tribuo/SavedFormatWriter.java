/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import org.tribuo.classification.Label;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the saved-model resource of the current serialization format for {@link SavedFormatsTest}: a tiny model
 * trained on the tiny keyword task (embedded base encoder), and the probabilities it predicts for
 * {@link #TEXTS}. Run once per released format version, with that version's code, before the format changes:
 * <pre>
 * java -cp plugin/target/test-classes:plugin/target/classes:$(cat cp.txt) ai.loradrop.tribuo.SavedFormatWriter \
 *     plugin/src/test/resources/formats v0
 * </pre>
 * It writes {@code model-NAME.tribuo} and {@code model-NAME.expected.tsv} (text, then one probability per class in
 * {@link TinyFixture#CLASSES} order) and refuses to overwrite either.
 */
final class SavedFormatWriter {
    /** The texts whose probabilities are recorded. */
    static final List<String> TEXTS = List.of("the big dog sits on the mat", "red sky with the sun",
            "rain on the old house", "a very small tree", "dog red rain");

    private SavedFormatWriter() {}

    /**
     * Trains, saves and records.
     * @param args the output folder and the format name (e.g. {@code v0}).
     * @throws Exception when training or writing fails.
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        String name = args[1];
        Path model = out.resolve("model-" + name + ".tribuo");
        Path expected = out.resolve("model-" + name + ".expected.tsv");
        if (Files.exists(model) || Files.exists(expected)) {
            throw new IllegalStateException("Refusing to overwrite " + model + " or " + expected);
        }
        Path tmp = Files.createTempDirectory("saved-format");
        TinyFixture f = new TinyFixture(tmp);
        try (LoraDropModel m = f.trainer().epochs(4).learningRate(2e-2).build().train(TinyFixture.dataset(8, 1))) {
            m.serializeToFile(model);
            List<String> lines = new ArrayList<>();
            for (String t : TEXTS) {
                Map<String, Label> scores = m.predict(t).getOutputScores();
                StringBuilder sb = new StringBuilder(t);
                for (String c : TinyFixture.CLASSES) {
                    sb.append('\t').append(String.format(Locale.ROOT, "%.9g", scores.get(c).getScore()));
                }
                lines.add(sb.toString());
            }
            Files.write(expected, lines, StandardCharsets.UTF_8);
        }
    }
}
