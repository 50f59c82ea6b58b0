/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Complete programs, each one ONNX Runtime session built once: the training step (forward, backward and AdamW in a
 * single call), deterministic prediction (LoRA merged or not) and the test-time ensemble over dropout masks.
 */
package ai.loradrop.programs;
