/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Command-line mistakes: exit code 2, one error line naming the problem, then the command's usage line; help on
 * every command. None of these runs loads a model.
 */
class CliArgumentsTest {
    @TempDir
    Path tmp;

    private static void assertUsageError(CliRun r, String message, String usage) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        assertTrue(r.err().contains(message), "expected '" + message + "' in\n" + r);
        assertTrue(r.err().contains("usage: " + usage), "expected the usage line of '" + usage + "' in\n" + r);
    }

    private Path csv() throws IOException {
        Path f = tmp.resolve("data.csv");
        Files.writeString(f, "text,label\nthe dog,animal\nred sky,colour\n");
        return f;
    }

    @Test
    void noArgumentsAndUnknownCommands() {
        CliRun none = CliRun.of();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("usage: loradrop <command>"), none.toString());
        CliRun unknown = CliRun.of("fly");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'fly'"), unknown.toString());
        CliRun help = CliRun.of("--help");
        assertEquals(0, help.code());
        for (String c : List.of("loradrop train", "loradrop evaluate", "loradrop predict", "loradrop demo", "loradrop export")) {
            assertTrue(help.out().contains(c), c + " missing from\n" + help);
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String c : List.of("train", "evaluate", "predict", "demo", "export")) {
            CliRun r = CliRun.of(c, "--help");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().startsWith("usage: loradrop " + c), r.toString());
        }
        // Help documents every hyperparameter option of train.
        String trainHelp = CliRun.of("train", "-h").out();
        for (String o : TrainerFlags.OPTIONS.keySet()) {
            assertTrue(trainHelp.contains(o + " "), o + " is not documented");
        }
        for (String o : TrainerFlags.FLAGS.keySet()) {
            assertTrue(trainHelp.contains(o), o + " is not documented");
        }
    }

    @Test
    void unknownOptionsAndMissingValues() throws IOException {
        Path data = csv();
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--bogus", "1"), "Unknown option '--bogus'", "loradrop train");
        assertUsageError(CliRun.of("evaluate", "--model"), "Option --model needs a value", "loradrop evaluate");
        assertUsageError(CliRun.of("predict", "stray"), "Unexpected argument 'stray'", "loradrop predict");
        assertUsageError(CliRun.of("train", "--train", data.toString()), "Missing required option --output", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--train", data.toString()), "--train is given twice", "loradrop train");
        assertUsageError(CliRun.of("demo", "--quick", "--threads", "two"), "--threads needs an integer, got 'two'", "loradrop demo");
    }

    @Test
    void missingFilesAndFolders() throws IOException {
        Path data = csv();
        Path out = tmp.resolve("m.tribuo");
        assertUsageError(CliRun.of("train", "--train", tmp.resolve("nope.csv").toString(), "--output", out.toString()),
                "File given to --train not found", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--dev", tmp.resolve("dev.csv").toString(),
                "--output", out.toString()), "File given to --dev not found", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", tmp.toString(), "--output", out.toString()),
                "is a folder, not a file", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--output", tmp.resolve("no/such/dir/m.tribuo").toString()),
                "The folder of the file given to --output does not exist", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--output", tmp.toString()),
                "is an existing folder", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--output", out.toString(),
                "--base-model", tmp.resolve("bert").toString()), "Base model given to --base-model not found", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--output", out.toString(),
                "--base-model", tmp.toString()), "holds neither model.onnx nor onnx/model.onnx", "loradrop train");
        assertUsageError(CliRun.of("evaluate", "--model", tmp.resolve("m.tribuo").toString(), "--data", data.toString()),
                "File given to --model not found", "loradrop evaluate");
        assertUsageError(CliRun.of("predict", "--model", tmp.resolve("m.tribuo").toString(), "--text", "hi"),
                "File given to --model not found", "loradrop predict");
        assertUsageError(CliRun.of("demo", "--data-dir", tmp.toString()), "holds no train.csv", "loradrop demo");
        assertFalse(Files.exists(out), "no model may be written after a usage error");
    }

    @Test
    void badValuesAndConflictingOptions() throws IOException {
        Path data = csv();
        Path out = tmp.resolve("m.tribuo");
        Path onnx = tmp.resolve("model.onnx");
        Files.writeString(onnx, "not really an encoder");
        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
        String[] base = {"train", "--train", data.toString(), "--output", out.toString(), "--base-model", onnx.toString()};
        assertUsageError(CliRun.of(concat(base, "--dropout-mode", "HALF")),
                "--dropout-mode must be one of [NONE, INPUT, SPARSE], got 'HALF'", "loradrop train");
        assertUsageError(CliRun.of(concat(base, "--learning-rate", "fast")), "--learning-rate needs a finite number", "loradrop train");
        // Values the trainer itself rejects are reported under the option's name.
        assertUsageError(CliRun.of(concat(base, "--rank", "0")), "Invalid --rank: rank must be at least 1, got 0", "loradrop train");
        assertUsageError(CliRun.of(concat(base, "--dropout", "1.5")), "Invalid --dropout", "loradrop train");
        assertUsageError(CliRun.of(concat(base, "--ensemble", "4", "--dropout-mode", "NONE")),
                "Invalid --ensemble: ensembleSize is 4, but an ensemble over dropout masks needs a LoRA dropout mode other than NONE", "loradrop train");
        assertUsageError(CliRun.of(concat(base, "--temperature-scaling")), "give --dev", "loradrop train");
        assertUsageError(CliRun.of(concat(base, "--diagram", tmp.resolve("d").toString())), "give --test", "loradrop train");
        assertUsageError(CliRun.of(concat(base, "--resume")), "Invalid --resume: resume needs checkpointDir", "loradrop train");
        assertUsageError(CliRun.of("train", "--train", data.toString(), "--output", out.toString(), "--tokenizer",
                tmp.resolve("vocab.txt").toString()), "--tokenizer needs --base-model", "loradrop train");
        assertUsageError(CliRun.of("predict", "--model", data.toString()), "Give either --text or --input", "loradrop predict");
        assertUsageError(CliRun.of("predict", "--model", data.toString(), "--text", "a", "--input", data.toString()),
                "Give either --text or --input", "loradrop predict");
        assertUsageError(CliRun.of("predict", "--model", data.toString(), "--input", data.toString(), "--output",
                tmp.resolve("p.xml").toString()), "Cannot tell the output format", "loradrop predict");
        assertUsageError(CliRun.of("export", "--model", data.toString()), "Give --onnx F.onnx, --peft DIR or both", "loradrop export");
        assertFalse(Files.exists(out));
    }

    @Test
    void notAModelIsAFailureWithOneLine() throws IOException {
        Path data = csv();
        CliRun r = CliRun.of("predict", "--model", data.toString(), "--text", "the dog");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("error: Cannot load the model " + data), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace:\n" + r);
    }

    @Test
    void atomicWriteLeavesNoPartialFile() throws IOException {
        Path target = tmp.resolve("taken");
        Files.createDirectories(target.resolve("inside"));
        assertThrows(IOException.class, () -> ai.loradrop.io.AtomicFiles.write(target, "test file", new byte[]{1, 2, 3}));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(target), files.toList(), "the temporary file must be removed after a failed move");
        }
        assertThrows(IOException.class, () -> ai.loradrop.io.AtomicFiles.write(tmp.resolve("missing/file.bin"), "test file", new byte[]{1}));
        Path ok = tmp.resolve("ok.bin");
        ai.loradrop.io.AtomicFiles.write(ok, "test file", new byte[]{4, 5});
        ai.loradrop.io.AtomicFiles.write(ok, "test file", new byte[]{6});
        assertEquals(1, Files.size(ok));
        // Readable by others as any file the user writes (umask 022 here), not owner-only as a temporary file.
        Path plain = Files.write(tmp.resolve("plain.bin"), new byte[]{1});
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(ok));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
