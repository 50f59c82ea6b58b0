/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * File input and output shared by every layer: atomic writes (temporary file in the target's folder, fsync, move), so
 * a failure never leaves a half-written model, report, adapter or checkpoint behind; and the one SHA-256 helper
 * ({@link ai.loradrop.io.Sha256}, lower-case hex) behind every hash LoRA-Drop records or checks.
 */
package ai.loradrop.io;
