/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.head;

/**
 * How per-token encoder outputs become one vector per example.
 */
public enum Pooling {
    /** Mean over the positions whose attention mask is 1 (sentence-transformers style, [CLS]/[SEP] included). */
    MEAN,
    /** The first token ([CLS]). */
    FIRST_TOKEN
}
