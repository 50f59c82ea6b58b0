/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * LoRA graph surgery: target selection as PEFT matches modules, the low-rank branches, and LoRA dropout (PEFT's
 * input dropout and the sparse column/row masks of Lin et al. 2024) drawn by a counter-based hash generator that
 * runs identically in Java and in the graph.
 */
package ai.loradrop.lora;
