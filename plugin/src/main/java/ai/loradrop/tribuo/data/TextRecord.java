/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import java.util.List;
import java.util.Map;

/**
 * One parsed record of a text data file, before it becomes an example.
 * @param line The 1-based physical line where the record starts.
 * @param row The 1-based data row (records after the header).
 * @param values The cell values by column name; a JSON null or absent key has no entry.
 * @param columns The columns available to this record (the header, or the keys of a JSON object), in file order.
 */
record TextRecord(int line, int row, Map<String, String> values, List<String> columns) {
}
