/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.programs;

import java.util.Locale;

/**
 * How a merged (deterministic) prediction program treats the LoRA update of a frozen int8 layer. A 4-bit layer
 * ({@link ai.loradrop.onnx.BaseQuantization#INT4}) always keeps it as a {@link #BRANCH}.
 */
public enum QuantizedMerge {
    /** Keeps {@code s·B(Ax)} as a float branch beside the integer kernel: exactly the trained function. */
    BRANCH,
    /**
     * Folds {@code s·(BA)ᵀ} into the dequantized weight and requantizes it per output column: no branch left, one
     * more rounding of the weight.
     */
    REQUANTIZE;

    /** System property that overrides {@link #DEFAULT} for the whole process ({@code branch} or {@code requantize}). */
    public static final String PROPERTY = "loradrop.quantizedMerge";

    /**
     * The form prediction programs use unless told otherwise: {@link #BRANCH}, chosen by the numbers in the README
     * (same accuracy as training, and the requantized form is not faster at rank 8), or the value of {@link #PROPERTY}.
     */
    public static final QuantizedMerge DEFAULT = parse(System.getProperty(PROPERTY, BRANCH.name()));

    /**
     * Parses a name, case-insensitively.
     * @param s {@code branch} or {@code requantize}.
     * @return the value.
     * @throws IllegalArgumentException naming the property and the accepted values.
     */
    public static QuantizedMerge parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown quantized merge form '" + s + "' (" + PROPERTY
                    + "): expected BRANCH or REQUANTIZE", e);
        }
    }
}
