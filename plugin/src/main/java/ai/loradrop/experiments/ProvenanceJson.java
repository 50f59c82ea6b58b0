/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import org.tribuo.provenance.ModelProvenance;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model provenance as a readable JSON tree (OLCUT's {@link ProvenanceUtil#convertToMap} form, the
 * {@code "provenance"} entry of {@code loradrop train}'s report), and the training statistics the trainer records
 * in the instance provenance.
 */
public final class ProvenanceJson {
    private ProvenanceJson() {}

    /**
     * The provenance as maps, lists and scalars (NaN and infinities as null), ready for a JSON writer.
     * @param provenance the model's provenance.
     * @return the tree.
     */
    public static Map<String, Object> of(ModelProvenance provenance) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ProvenanceUtil.convertToMap(provenance).entrySet()) {
            out.put(e.getKey(), plain(e.getValue()));
        }
        return out;
    }

    private static Object plain(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        } else if (v instanceof Double d) {
            return VariantMetrics.finite(d);
        } else if (v instanceof Float f) {
            return VariantMetrics.finite(f);
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
        }
        return String.valueOf(v);
    }

    /** A per-epoch list of doubles recorded by the trainer (empty when absent), NaN as null. */
    static List<Double> doubles(ModelProvenance p, String key) {
        List<Double> out = new ArrayList<>();
        Provenance v = p.getInstanceProvenance().getMap().get(key);
        if (v instanceof ListProvenance<?> list) {
            for (Object x : list.getList()) {
                if (x instanceof DoubleProvenance d) {
                    out.add(VariantMetrics.finite(d.getValue()));
                }
            }
        }
        return out;
    }

    /** A double recorded by the trainer, or null. */
    static Double number(ModelProvenance p, String key) {
        Provenance v = p.getInstanceProvenance().getMap().get(key);
        if (v instanceof DoubleProvenance d) {
            return VariantMetrics.finite(d.getValue());
        }
        if (v instanceof IntProvenance i) {
            return (double) i.getValue();
        }
        return null;
    }
}
