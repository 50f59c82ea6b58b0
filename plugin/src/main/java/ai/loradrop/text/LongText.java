/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

/**
 * What to do with a text that has more word pieces than fit in {@code maxLength} tokens.
 */
public enum LongText {
    /** Keep the first pieces and drop the rest (Hugging Face's truncation). */
    TRUNCATE,
    /**
     * Keep the first quarter of the budget from the start of the text and the rest from its end (the head+tail
     * selection of Sun et al. 2019, "How to Fine-Tune BERT for Text Classification?", which keeps 128 head and 382
     * tail tokens of 512).
     */
    HEAD_TAIL,
    /**
     * Split the text into overlapping windows of {@code maxLength} tokens, each with its own special tokens; a
     * document is trained on and predicted from all of its windows.
     */
    WINDOWS
}
