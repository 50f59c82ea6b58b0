/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.onnxruntime.OrtEnvironment;

/**
 * Version strings recorded in exported files.
 */
final class Versions {
    private Versions() {}

    /**
     * LoRA-Drop's version from the jar manifest.
     * @return the version, or "development" when running from classes (tests, IDE).
     */
    static String loradrop() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    /**
     * ONNX Runtime's native version.
     * @return the version, or "unknown" when the native library cannot be loaded.
     */
    static String onnxRuntime() {
        try {
            return ai.loradrop.onnx.OrtStartup.environment().getVersion();
        } catch (RuntimeException | LinkageError e) {
            return "unknown";
        }
    }
}
