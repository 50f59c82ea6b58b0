/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Exchange with the Python ecosystem and with serving stacks: a safetensors reader and writer, PEFT LoRA adapter
 * folders ({@code adapter_model.safetensors} and {@code adapter_config.json}, plus a LoRA-Drop sidecar for the
 * dropout settings PEFT has no keys for) in both directions, and standalone ONNX models with LoRA merged and the
 * classifier head included.
 * <p>
 * Every file is written atomically (temporary file in the same folder, then a move), and an adapter folder as a whole
 * (temporary sibling folder, then a rename), so a failed export leaves no partial file and no mixture of old and new
 * files behind. Imports check that an adapter fits the encoder ({@link ai.loradrop.interop.PeftAdapter#requireTargets})
 * and that the tokenizer fits both ({@link ai.loradrop.interop.TokenizerFit}); continued training starts from
 * {@link ai.loradrop.interop.AdapterStart}.
 */
package ai.loradrop.interop;
