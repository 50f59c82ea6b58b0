/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

/**
 * General categories as Hugging Face {@code tokenizers} sees them.
 */
final class UnicodeCategoryOverrides {

    private UnicodeCategoryOverrides() {}

    /**
     * The general category of a code point, as a {@link Character#getType(int)} constant.
     * @param cp A code point.
     * @return Its general category.
     */
    static int type(int cp) {
        return Character.getType(cp);
    }

    /**
     * The simple lower case mapping of a code point.
     * @param cp A code point.
     * @return Its lower case code point.
     */
    static int toLowerCase(int cp) {
        return Character.toLowerCase(cp);
    }
}
