/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * The head appended to an encoder: pooling, the linear layer, and per output type its output function and
 * example-weighted loss ({@link ai.loradrop.head.HeadLoss}): softmax cross-entropy for classes, sigmoid binary
 * cross-entropy for labels, mean squared error or Huber for values.
 */
package ai.loradrop.head;
