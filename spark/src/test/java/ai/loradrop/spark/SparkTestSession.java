/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a test class: local mode with 2 worker threads and up to 2 attempts per task
 * ({@code local[2,2]}, so a task that fails once is retried), no UI, few shuffle partitions.
 */
final class SparkTestSession {
    private SparkTestSession() {}

    static SparkSession start(String name) {
        return SparkSession.builder()
                .master("local[2,2]")
                .appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }
}
