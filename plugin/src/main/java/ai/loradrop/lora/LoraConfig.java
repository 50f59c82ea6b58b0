/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.lora;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * LoRA adapter settings: which Linear layers get a branch, its rank and scale, and LoRA dropout.
 *
 * @param rank the rank {@code r}.
 * @param alpha the scale numerator {@code α}.
 * @param rsLora when true the scale is {@code α / √r} (rsLoRA), else {@code α / r}.
 * @param targetModules module name suffixes matched as PEFT does (a path equal to the name or ending in
 *                      {@code .name}); ignored when {@code targetRegex} is set.
 * @param targetRegex a regular expression that must match a whole module path, or null.
 * @param dropoutMode the LoRA dropout mode.
 * @param dropout the drop probability {@code p} in [0, 1).
 * @param sparseScaled for {@link DropoutMode#SPARSE}: scale kept entries by {@code 1/(1−p)} (default) so that the
 *                     deterministic model is the expectation; false gives the paper's unscaled masks.
 */
public record LoraConfig(int rank, double alpha, boolean rsLora, List<String> targetModules, String targetRegex,
                         DropoutMode dropoutMode, double dropout, boolean sparseScaled) implements Serializable {

    /**
     * Validates and copies.
     * @param rank the rank {@code r}.
     * @param alpha the scale numerator {@code α}.
     * @param rsLora when true the scale is {@code α / √r} (rsLoRA), else {@code α / r}.
     * @param targetModules module name suffixes matched as PEFT does (a path equal to the name or ending in {@code .name}); ignored when {@code targetRegex} is set.
     * @param targetRegex a regular expression that must match a whole module path, or null.
     * @param dropoutMode the LoRA dropout mode.
     * @param dropout the drop probability {@code p} in [0, 1).
     * @param sparseScaled for {@link DropoutMode#SPARSE}: scale kept entries by {@code 1/(1−p)} (default) so that the deterministic model is the expectation; false gives the paper's unscaled masks.
     */
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be positive and finite, got " + alpha);
        }
        Objects.requireNonNull(dropoutMode, "dropoutMode");
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
        if (targetModules.isEmpty() && (targetRegex == null || targetRegex.isBlank())) {
            throw new IllegalArgumentException("targetModules or targetRegex must be given");
        }
        if (targetRegex != null && targetRegex.isBlank()) {
            targetRegex = null;
        }
        if (targetRegex != null) {
            Pattern.compile(targetRegex);
        }
    }

    /**
     * PEFT-like defaults: rank 8, alpha 16, query and value, no dropout.
     * @return the configuration.
     */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 16, false, List.of("query", "value"), null, DropoutMode.NONE, 0.0, true);
    }

    /**
     * The LoRA scale {@code s}.
     * @return {@code α/r}, or {@code α/√r} with rsLoRA.
     */
    public double scaling() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /**
     * Whether masks are in effect.
     * @return true when the mode is not NONE and p &gt; 0.
     */
    public boolean hasDropout() {
        return dropoutMode != DropoutMode.NONE && dropout > 0;
    }

    /**
     * The value a kept mask entry takes.
     * @return {@code 1/(1−p)}, or 1 for unscaled sparse masks.
     */
    public double keepValue() {
        if (dropoutMode == DropoutMode.SPARSE && !sparseScaled) {
            return 1.0;
        }
        return 1.0 / (1.0 - dropout);
    }

    /**
     * Whether a module path is targeted.
     * @param path the dotted module path.
     * @return true when it matches.
     */
    public boolean matches(String path) {
        if (targetRegex != null) {
            return Pattern.matches(targetRegex, path);
        }
        for (String t : targetModules) {
            if (path.equals(t) || path.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A copy with another dropout setting.
     * @param mode the mode.
     * @param p the probability.
     * @return the copy.
     */
    public LoraConfig withDropout(DropoutMode mode, double p) {
        return new LoraConfig(rank, alpha, rsLora, targetModules, targetRegex, mode, p, sparseScaled);
    }
}
