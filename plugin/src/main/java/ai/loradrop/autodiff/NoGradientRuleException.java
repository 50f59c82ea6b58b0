/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.autodiff;

/**
 * Thrown when a node between a trainable input and the loss has an operator with no gradient rule.
 */
public final class NoGradientRuleException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param opType the operator type.
     * @param nodeName the node name.
     * @param detail why the rule does not apply, or null when no rule exists.
     */
    public NoGradientRuleException(String opType, String nodeName, String detail) {
        super("No gradient rule for op '" + opType + "' (node '" + nodeName + "') on the path from the trainable "
                + "parameters to the loss" + (detail == null ? "; supported ops: " + GradientRules.supportedOps() : ": " + detail));
    }
}
