/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */

/**
 * Text to model inputs: a BERT WordPiece tokenizer ({@link ai.loradrop.text.WordPieceTokenizer}) that reads a
 * Hugging Face tokenizer.json or a vocab.txt and gives exactly the ids Hugging Face {@code tokenizers} gives, and
 * the {@link ai.loradrop.text.Encoding} of a text or text pair with special tokens, type ids and truncation.
 * <p>
 * This is the lowest layer of LoRA-Drop: it depends on no other {@code ai.loradrop} package and on no Tribuo
 * model or trainer class.
 */
package ai.loradrop.text;
