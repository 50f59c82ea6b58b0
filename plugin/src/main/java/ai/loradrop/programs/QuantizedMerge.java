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

    /**
     * The description of the {@code quantizedMerge} setting of the trainers, the models' {@code withQuantizedMerge}
     * copies and {@code loradrop predict --quantized-merge} (a constant, so that {@code @Config} can use it).
     */
    public static final String DESCRIPTION = "How the deterministic (merged) prediction program of an int8 base treats"
            + " the LoRA update: BRANCH (a float side branch s*B(Ax) beside the integer kernels, exactly the trained"
            + " function) or REQUANTIZE (folded into the dequantized weight, requantized per output column: no branch,"
            + " one more rounding). Also the form of the merged ONNX export. No effect on a float or 4-bit base (4-bit"
            + " layers always keep the branch) or on a dropout ensemble (its members keep branches for their masks).";

    /**
     * The form prediction programs use unless told otherwise: {@link #BRANCH}, chosen by the numbers in the README
     * (same accuracy as training, and the requantized form is not faster at rank 8).
     */
    public static final QuantizedMerge DEFAULT = BRANCH;

    /**
     * Parses a name, case-insensitively.
     * @param s {@code branch} or {@code requantize}.
     * @return the value.
     * @throws IllegalArgumentException naming the setting and the accepted values.
     */
    public static QuantizedMerge parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("Unknown quantizedMerge '" + s + "': expected one of "
                    + java.util.Arrays.toString(values()), e);
        }
    }
}
