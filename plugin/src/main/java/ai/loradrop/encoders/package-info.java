/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Named encoders: pretrained encoders that Maven Central ships as jars holding an ONNX export and its
 * {@code tokenizer.json} ({@link ai.loradrop.encoders.NamedEncoder}, the one registry of their names, artifacts,
 * recommended pooling and maximum lengths), found on the class path or in the local Maven repository
 * ({@link ai.loradrop.encoders.LocalMavenRepository}) and extracted once into a cache folder. An encoder that is not
 * there is an {@link ai.loradrop.encoders.EncoderNotFoundException} carrying the one command that fetches it.
 * Nothing is downloaded at run time. Knows nothing of Tribuo.
 */
package ai.loradrop.encoders;
