/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 8 threads making 10,000 predictions give exactly the single-thread answers, and native memory does not grow.
 */
class ConcurrentLoadTest {
    @TempDir
    Path tmp;

    @Test
    void eightThreadsTenThousandPredictions() throws Exception {
        TinyFixture fx = new TinyFixture(tmp);
        LoraDropModel model = fx.trainer().epochs(3).build().train(TinyFixture.dataset(20, 1));
        Random rnd = new Random(5);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            texts.add(TinyFixture.text(i % 3, rnd));
        }
        float[][] reference = new float[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            reference[i] = scores(model.predict(texts.get(i)));
        }
        // Warm up allocators and lazy sessions before the memory baseline.
        run(model, texts, reference, 2000);
        long before = rssKb();
        int mismatches = run(model, texts, reference, 10_000);
        long after = rssKb();
        assertEquals(0, mismatches, "concurrent predictions must equal sequential ones");
        if (before > 0) {
            long growthMb = (after - before) / 1024;
            System.out.printf("RSS before %d MB, after 10,000 concurrent predictions %d MB (growth %d MB)%n",
                    before / 1024, after / 1024, growthMb);
            assertTrue(growthMb < 40, "native memory grew by " + growthMb + " MB over 10,000 predictions");
        }
        model.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.predict(texts.get(0)));
        assertTrue(e.getMessage().toLowerCase().contains("closed"), e.getMessage());
    }

    private static int run(LoraDropModel model, List<String> texts, float[][] reference, int total) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger bad = new AtomicInteger();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                fs.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < total) {
                        int k = i % texts.size();
                        float[] s = scores(model.predict(texts.get(k)));
                        if (!java.util.Arrays.equals(s, reference[k])) {
                            bad.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return bad.get();
    }

    private static float[] scores(Prediction<Label> p) {
        List<String> names = new ArrayList<>(p.getOutputScores().keySet());
        java.util.Collections.sort(names);
        float[] out = new float[names.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) p.getOutputScores().get(names.get(i)).getScore();
        }
        return out;
    }

    private static long rssKb() {
        try {
            System.gc();
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
