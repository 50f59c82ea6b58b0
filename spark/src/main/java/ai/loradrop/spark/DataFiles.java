/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Reading the input files of {@code loradrop-spark} and writing its outputs without ever touching an existing path:
 * the output folder is written under a fresh sibling name and renamed into place only when the job has succeeded;
 * a failed job leaves nothing behind.
 */
public final class DataFiles {
    private DataFiles() {}

    /** Input formats, told by the file (or folder) name's extension. */
    public enum InputFormat {
        /** Comma-separated, with a header line, RFC 4180 quoting (quoted fields may span lines). */
        CSV,
        /** Tab-separated, with a header line. */
        TSV,
        /** One JSON object per line. */
        JSONL,
        /** Apache Parquet (a file or a folder of part files). */
        PARQUET;

        /**
         * The format of a path, from its extension ({@code .csv}, {@code .tsv}/{@code .tab},
         * {@code .jsonl}/{@code .ndjson}/{@code .json}, {@code .parquet}).
         * @param path the path.
         * @return the format, or null when the extension says nothing.
         */
        public static InputFormat of(String path) {
            String name = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
            if (name.endsWith(".csv")) {
                return CSV;
            } else if (name.endsWith(".tsv") || name.endsWith(".tab")) {
                return TSV;
            } else if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
                return JSONL;
            } else if (name.endsWith(".parquet")) {
                return PARQUET;
            }
            return null;
        }
    }

    /** Output formats. */
    public enum OutputFormat {
        /** CSV part files with a header line; the array and map columns are written as JSON text. */
        CSV,
        /** Parquet part files, every column in its own type. */
        PARQUET
    }

    /**
     * Reads an input file; delimited files are read with every column as a string (ids and labels stay exactly as
     * written).
     * @param spark the session.
     * @param path the file or folder.
     * @param format its format.
     * @return the rows.
     */
    public static Dataset<Row> read(SparkSession spark, String path, InputFormat format) {
        DataFrameReader r = spark.read();
        return switch (format) {
            case CSV -> r.option("header", "true").option("multiLine", "true").option("escape", "\"").option("mode", "FAILFAST")
                    .csv(path);
            case TSV -> r.option("header", "true").option("sep", "\t").option("mode", "FAILFAST").csv(path);
            case JSONL -> r.option("mode", "FAILFAST").json(path);
            case PARQUET -> r.parquet(path);
        };
    }

    /**
     * Checks that a path does not exist and that its parent folder does.
     * @param spark the session (for the file system of the path).
     * @param path the output path.
     * @param what what the path is for, for messages.
     * @throws IllegalArgumentException when the path exists or its folder does not.
     * @throws IOException when the file system cannot be asked.
     */
    public static void checkNewOutput(SparkSession spark, String path, String what) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf(spark));
        if (fs.exists(p)) {
            throw new IllegalArgumentException("The " + what + " " + path + " already exists; choose a new path (nothing is"
                    + " ever overwritten)");
        }
        Path parent = fs.makeQualified(p).getParent();
        if (parent != null && !fs.exists(parent)) {
            throw new IllegalArgumentException("The folder of the " + what + " " + path + " does not exist: " + parent);
        }
    }

    /**
     * Writes a DataFrame into a new folder: into a hidden sibling first, renamed to {@code path} once every task has
     * committed (Spark's commit protocol keeps exactly one attempt's output per task); on failure the sibling is
     * deleted.
     * @param spark the session.
     * @param rows the rows.
     * @param path the output folder, which must not exist.
     * @param format the format.
     * @throws IOException when the folder cannot be written or renamed, or appeared meanwhile.
     */
    public static void writeNewFolder(SparkSession spark, Dataset<Row> rows, String path, OutputFormat format)
            throws IOException {
        checkNewOutput(spark, path, "output folder");
        Path target = new Path(path);
        FileSystem fs = target.getFileSystem(conf(spark));
        Path qualified = fs.makeQualified(target);
        Path staging = new Path(qualified.getParent(), "." + qualified.getName() + ".incomplete-" + UUID.randomUUID());
        boolean done = false;
        try {
            Dataset<Row> out = format == OutputFormat.CSV ? jsonForNested(rows) : rows;
            if (format == OutputFormat.CSV) {
                out.write().option("header", "true").option("escape", "\"").csv(staging.toString());
            } else {
                out.write().parquet(staging.toString());
            }
            if (fs.exists(qualified)) {
                throw new IOException("The output folder " + path + " appeared while the job ran; the result is left in "
                        + staging);
            }
            if (!fs.rename(staging, qualified)) {
                throw new IOException("Cannot rename " + staging + " to " + path);
            }
            done = true;
        } finally {
            if (!done && fs.exists(staging) && !fs.exists(qualified)) {
                fs.delete(staging, true);
            }
        }
    }

    /**
     * Spreads rows over {@code partitions} partitions of consecutive rows, in their order (partition 0 holds the first
     * rows), so part files written from them keep the input's order.
     * @param rows the rows.
     * @param partitions the number of partitions.
     * @return the rows, repartitioned.
     */
    public static Dataset<Row> spread(Dataset<Row> rows, int partitions) {
        String index = "__loradrop_row_" + UUID.randomUUID().toString().replace("-", "");
        return rows.withColumn(index, functions.monotonically_increasing_id())
                .repartitionByRange(partitions, functions.col(index))
                .sortWithinPartitions(index)
                .drop(index);
    }

    /** Array, map and struct columns as JSON text (CSV holds only plain values). */
    static Dataset<Row> jsonForNested(Dataset<Row> rows) {
        List<Column> cols = new ArrayList<>();
        for (StructField f : rows.schema().fields()) {
            Column c = functions.col("`" + f.name() + "`");
            boolean nested = f.dataType() instanceof ArrayType || f.dataType() instanceof MapType
                    || f.dataType() instanceof StructType;
            cols.add(nested ? functions.to_json(c).as(f.name()) : c);
        }
        return rows.select(cols.toArray(new Column[0]));
    }

    private static Configuration conf(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }
}
