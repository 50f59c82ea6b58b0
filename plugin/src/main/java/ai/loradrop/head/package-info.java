/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * The classification head appended to an encoder: pooling, the linear layer and example-weighted cross-entropy.
 */
package ai.loradrop.head;
