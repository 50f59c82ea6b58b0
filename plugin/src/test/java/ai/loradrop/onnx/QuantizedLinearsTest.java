/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The int8 weight format LoRA-Drop writes, and the README's statement of it. */
class QuantizedLinearsTest {
    @Test
    void perColumnQuantizationUsesTheFullSevenBitRangeAndRoundsToNearest() {
        int in = 37;
        int out = 11;
        float[] w = new float[in * out];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (1 + i % out));
        }
        int[] q = new int[w.length];
        float[] s = QuantizedLinears.quantizePerColumn(w, in, out, q);
        for (int o = 0; o < out; o++) {
            int max = 0;
            for (int i = 0; i < in; i++) {
                int v = q[i * out + o];
                max = Math.max(max, Math.abs(v));
                assertTrue(Math.abs(w[i * out + o] - s[o] * v) <= s[o] / 2 * (1 + 1e-5), "rounding of column " + o);
            }
            assertEquals(QuantizedLinears.QMAX, max, "largest |W_q| of column " + o);
        }
    }

    @Test
    void readmeStatesTheWeightScaleWithQmax() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("`s = max|W[·,o]| / " + QuantizedLinears.QMAX + "`"),
                "README.md's \"Quantized (int8) frozen base\" must give the scale as max|W[·,o]| / " + QuantizedLinears.QMAX);
    }
}
