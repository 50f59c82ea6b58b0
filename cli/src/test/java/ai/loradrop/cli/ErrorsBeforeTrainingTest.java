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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, defect 10: an unwritable output folder and a test label unseen in training used to fail only after the
 * whole training. Both now fail before it starts: no checkpoint is written (training writes one every step here) and
 * no model file appears.
 */
class ErrorsBeforeTrainingTest {
    @TempDir
    Path dir;

    private static long checkpoints(Path ckpt) throws IOException {
        if (!Files.exists(ckpt)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(ckpt)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void unwritableOutputFolderFailsBeforeTraining() throws IOException {
        TinyFixture fx = TinyFixture.in(dir);
        Path ckpt = dir.resolve("ckpt");
        // /proc takes no new files, even for root (a chmod'ed folder would not stop root).
        CliRun r = CliRun.of(fx.train("--checkpoint-dir", ckpt.toString(), "--checkpoint-every", "1",
                "--output", "/proc/loradrop-model.tribuo"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Cannot write in the folder of the file given to --output: /proc"), r.toString());
        assertEquals(0, checkpoints(ckpt), "training never started");
        CliRun report = CliRun.of(fx.train("--checkpoint-dir", ckpt.toString(), "--checkpoint-every", "1",
                "--output", dir.resolve("m.tribuo").toString(), "--report", "/proc/loradrop-report.json"));
        assertEquals(2, report.code(), report.toString());
        assertTrue(report.err().contains("--report"), report.toString());
        assertEquals(0, checkpoints(ckpt), "training never started");
        assertFalse(Files.exists(dir.resolve("m.tribuo")));
    }

    @Test
    void testLabelUnseenInTrainingFailsBeforeTraining() throws IOException {
        TinyFixture fx = TinyFixture.in(dir);
        Path test = dir.resolve("test-with-plant.csv");
        Files.writeString(test, "id,label,text\nt1,animal,the dog\nt2,plant,a tree\nt3,colour,red sky\n");
        Path ckpt = dir.resolve("ckpt");
        Path model = dir.resolve("m.tribuo");
        CliRun r = CliRun.of(fx.train("--test", test.toString(), "--checkpoint-dir", ckpt.toString(),
                "--checkpoint-every", "1", "--output", model.toString()));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("--test file " + test + " has labels the training data lacks: [plant]"), r.toString());
        assertEquals(0, checkpoints(ckpt), "training never started");
        assertFalse(Files.exists(model), "no model was trained and written before the error");
    }
}
