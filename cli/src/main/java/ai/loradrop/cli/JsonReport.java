/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.experiments.ProvenanceJson;
import ai.loradrop.tribuo.LoraDropTrainer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the JSON reports of {@code train}, {@code evaluate} and {@code demo}, atomically, and converts what goes
 * into them (model provenance, non-finite numbers) to plain JSON values.
 */
final class JsonReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {}

    /**
     * Writes a report through a temporary file and a move.
     * @param path the report file.
     * @param report the report: maps, lists, strings, numbers, booleans and nulls.
     * @throws IOException when it cannot be written; no partial file is left.
     */
    static void write(Path path, Map<String, Object> report) throws IOException {
        ai.loradrop.io.AtomicFiles.write(path, "report", MAPPER.writeValueAsBytes(report));
    }

    /** The report as indented JSON text. */
    static String toJson(Object value) throws IOException {
        return MAPPER.writeValueAsString(value);
    }

    /** The value, or null when it is NaN or infinite (JSON has neither). */
    static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /**
     * The model provenance as a readable JSON tree ({@link ProvenanceJson#of}, the form sweep reports use too).
     */
    static Map<String, Object> provenance(ModelProvenance provenance) {
        return ProvenanceJson.of(provenance);
    }

    /** A double recorded in the model's instance provenance by the trainer, or null. */
    static Double instanceDouble(ModelProvenance provenance, String key) {
        Provenance p = provenance.getInstanceProvenance().getMap().get(key);
        return p instanceof DoubleProvenance d ? finite(d.getValue()) : null;
    }

    /** The training time and throughput recorded by {@link LoraDropTrainer}, under the report's key names. */
    static Map<String, Object> trainingStats(ModelProvenance provenance) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("train_seconds", instanceDouble(provenance, LoraDropTrainer.TRAIN_SECONDS));
        m.put("examples_per_second", instanceDouble(provenance, LoraDropTrainer.EXAMPLES_PER_SECOND));
        return m;
    }
}
