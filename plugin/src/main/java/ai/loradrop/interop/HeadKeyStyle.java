/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

/**
 * How an exported adapter names the classifier head's tensors.
 * <p>
 * PEFT saves a {@code modules_to_save} module (the head of a {@code SEQ_CLS} model is {@code classifier}) under its
 * module path inside the PEFT model without the {@code modules_to_save.<adapter>} wrapper, i.e.
 * {@code base_model.model.classifier.weight} ({@code get_peft_model_state_dict} in {@code peft/utils/save_and_load.py}
 * and {@code ModulesToSaveWrapper.adapter_state_dict}); that is the form PEFT's loader maps back onto the head.
 * Import accepts either style.
 */
public enum HeadKeyStyle {
    /** {@code base_model.model.classifier.weight} and {@code .bias}: what PEFT writes and loads (the default). */
    PEFT("base_model.model.classifier."),
    /** {@code classifier.weight} and {@code classifier.bias}: the bare names of LoRA-Drop's parameter layout. */
    BARE("classifier.");

    private final String prefix;

    HeadKeyStyle(String prefix) {
        this.prefix = prefix;
    }

    /**
     * The key of the head weight.
     * @return the key.
     */
    public String weightKey() {
        return prefix + "weight";
    }

    /**
     * The key of the head bias.
     * @return the key.
     */
    public String biasKey() {
        return prefix + "bias";
    }
}
