/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The paired comparison behind {@code bench --first-token}: one warm-up pair, then pairs whose order flips. */
class FirstTokenBenchTest {
    @Test
    void pairsAlternateTheirOrderAfterOneWarmUpPair() throws Exception {
        List<String> calls = new ArrayList<>();
        double r = FirstTokenBench.pairedRatio(() -> calls.add("a"), () -> calls.add("b"), 4);
        assertEquals(List.of("a", "b", "a", "b", "b", "a", "a", "b", "b", "a"), calls);
        assertTrue(r > 0 && Double.isFinite(r), "a ratio of two positive times: " + r);
    }
}
