/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Reverse-mode differentiation of ONNX graphs in standard ONNX operators, one gradient rule per operator, for ONNX
 * Runtime builds that have no gradient kernels. Shapes come from one probe run of the forward graph.
 */
package ai.loradrop.autodiff;
