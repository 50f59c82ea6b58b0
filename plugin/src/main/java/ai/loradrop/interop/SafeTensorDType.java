/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import java.util.Locale;

/**
 * The element types of the safetensors format, with their names as they appear in a file's header.
 */
public enum SafeTensorDType {
    /** Boolean, one byte. */
    BOOL(1, false),
    /** Unsigned 8-bit integer. */
    U8(1, false),
    /** Signed 8-bit integer. */
    I8(1, false),
    /** 8-bit float, 5 exponent bits. */
    F8_E5M2(1, false),
    /** 8-bit float, 4 exponent bits. */
    F8_E4M3(1, false),
    /** Signed 16-bit integer. */
    I16(2, false),
    /** Unsigned 16-bit integer. */
    U16(2, false),
    /** IEEE 754 half precision. */
    F16(2, true),
    /** bfloat16 (the upper half of a float32). */
    BF16(2, true),
    /** Signed 32-bit integer. */
    I32(4, false),
    /** Unsigned 32-bit integer. */
    U32(4, false),
    /** IEEE 754 single precision. */
    F32(4, true),
    /** IEEE 754 double precision. */
    F64(8, true),
    /** Signed 64-bit integer. */
    I64(8, false),
    /** Unsigned 64-bit integer. */
    U64(8, false);

    private final int bytes;
    private final boolean readableAsFloat;

    SafeTensorDType(int bytes, boolean readableAsFloat) {
        this.bytes = bytes;
        this.readableAsFloat = readableAsFloat;
    }

    /**
     * Bytes per element.
     * @return the element size.
     */
    public int bytes() {
        return bytes;
    }

    /**
     * Whether {@link SafeTensors#floats(String)} can read this type (F32 as a view, F16, BF16 and F64 converted).
     * @return true for the floating-point types other than the 8-bit ones.
     */
    public boolean readableAsFloat() {
        return readableAsFloat;
    }

    /**
     * Parses a header name.
     * @param name the name, e.g. {@code "F32"}.
     * @return the type.
     * @throws IllegalArgumentException for an unknown name.
     */
    public static SafeTensorDType parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dtype '" + name + "'", e);
        }
    }
}
