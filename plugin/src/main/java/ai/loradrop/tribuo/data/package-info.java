/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
/**
 * Text data for Tribuo: raw text travels in example metadata (Tribuo features are named numbers), each text
 * example carries one placeholder feature so Tribuo accepts it.
 * <ul>
 *     <li>{@link ai.loradrop.tribuo.data.TextExamples}: the metadata keys, the placeholder feature, and
 *     helpers to build text examples and read their text back.</li>
 *     <li>{@link ai.loradrop.tribuo.data.TextDataSource}: reads labelled texts (optionally sentence pairs,
 *     weights and ids) from CSV, TSV or JSON-lines files, strictly, with errors that name the file and line;
 *     its provenance ({@link ai.loradrop.tribuo.data.TextDataSourceProvenance}) records the configuration and
 *     the file's SHA-256 hash, size and modification time.</li>
 *     <li>{@link ai.loradrop.tribuo.data.MultiLabelTextDataSource} and
 *     {@link ai.loradrop.tribuo.data.RegressionTextDataSource}: the same files with a set of labels (comma-joined,
 *     or a JSON array) or numbers in the label column, for Tribuo's {@code MultiLabel} and {@code Regressor}
 *     outputs; all three share the reading in {@link ai.loradrop.tribuo.data.AbstractTextDataSource} and are
 *     built by {@link ai.loradrop.tribuo.data.TextDataSource.Builder}.</li>
 *     <li>{@link ai.loradrop.tribuo.data.ConstantFieldProcessor}: the missing piece for Tribuo's own columnar
 *     route ({@code CSVDataSource} + {@code RowProcessor} + {@code IdentityExtractor}), emitting the
 *     placeholder feature for every row.</li>
 * </ul>
 */
package ai.loradrop.tribuo.data;
