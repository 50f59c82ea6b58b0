/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * ONNX models in Java: reading and writing {@code ModelProto} (Tribuo's {@code ai.onnx.proto.OnnxMl}), a mutable
 * graph with an opset-aware builder for new nodes, and the import of transformer encoders (inputs, per-token output,
 * Linear layers and their module paths). Knows nothing of LoRA or Tribuo.
 */
package ai.loradrop.onnx;
