/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */

/**
 * Text to model inputs: one {@link ai.loradrop.text.Tokenizer} for every Hugging Face tokenizer.json — the pure-Java
 * {@link ai.loradrop.text.WordPieceTokenizer} for BERT-family WordPiece (exact, and about 5 times faster), and
 * {@link ai.loradrop.text.HfTokenizer} (Hugging Face's Rust library through DJL) for BPE, Unigram and WordLevel —
 * and the {@link ai.loradrop.text.Encoding} of a text or text pair with special tokens, type ids and truncation,
 * done in one place for all of them; long texts as {@link ai.loradrop.text.LongText} says.
 * <p>
 * This is the lowest layer of LoRA-Drop: it depends on no other {@code ai.loradrop} package and on no Tribuo
 * model or trainer class.
 */
package ai.loradrop.text;
