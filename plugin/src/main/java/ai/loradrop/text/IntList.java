/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.text;

import java.util.Arrays;

/**
 * A growable list of ints, to collect token ids without boxing. Not thread-safe; used within one call.
 */
final class IntList {

    private int[] values = new int[32];
    private int size;

    void add(int v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    int size() {
        return size;
    }

    int get(int i) {
        return values[i];
    }

    /** Drops the values from index {@code newSize} on. */
    void truncate(int newSize) {
        size = newSize;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }

    /** The first {@code n} values, {@code n <= size()}. */
    int[] toArray(int n) {
        if (n > size) {
            throw new IndexOutOfBoundsException("asked for " + n + " values of " + size);
        }
        return Arrays.copyOf(values, n);
    }
}
