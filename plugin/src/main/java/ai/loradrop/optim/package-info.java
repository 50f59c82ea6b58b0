/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * AdamW written into the training graph with PyTorch semantics, on flat parameter and moment vectors.
 */
package ai.loradrop.optim;
