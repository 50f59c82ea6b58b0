/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropTrainer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
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
     * The model provenance as a readable JSON tree (OLCUT's {@link ProvenanceUtil#convertToMap} form: every object
     * provenance a map of its fields, with its class name).
     */
    static Map<String, Object> provenance(ModelProvenance provenance) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ProvenanceUtil.convertToMap(provenance).entrySet()) {
            out.put(e.getKey(), plain(e.getValue()));
        }
        return out;
    }

    /** A provenance tree value as JSON-friendly maps, lists and scalars. */
    private static Object plain(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        } else if (v instanceof Double d) {
            return finite(d);
        } else if (v instanceof Float f) {
            return finite(f);
        } else if (v instanceof Number) {
            return v;
        } else if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
            return out;
        } else if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(x -> out.add(plain(x)));
            return out;
        } else {
            return String.valueOf(v);
        }
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
