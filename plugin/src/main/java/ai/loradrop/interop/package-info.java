/**
 * Exchange with the Python ecosystem and with serving stacks: a safetensors reader and writer, PEFT LoRA adapter
 * folders ({@code adapter_model.safetensors} and {@code adapter_config.json}, plus a LoRA-Drop sidecar for the
 * dropout settings PEFT has no keys for) in both directions, and standalone ONNX models with LoRA merged and the
 * classifier head included.
 * <p>
 * Every file is written atomically (temporary file in the same folder, then a move), so a failed export leaves no
 * partial file behind.
 */
package ai.loradrop.interop;
