/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.Configurable;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A sweep's grid: fixed trainer settings, axes over trainer fields whose Cartesian product gives the configurations,
 * the seeds every configuration is repeated with, and the evaluation settings (ensemble sizes, cross-validation).
 * <p>
 * JSON form ({@link #load}):
 * <pre>{@code
 * {
 *   "trainer": {"epochs": 4, "threads": 2},                       // fixed LoraDropTrainer fields
 *   "grid": {"dropoutMode": ["INPUT", "SPARSE"], "dropout": [0.0, 0.05, 0.1]},
 *   "seeds": [1, 2, 3],                                           // or "repeats": 3 (seeds 1..3)
 *   "ensembleSize": 8, "maxEnsembleSize": 16, "folds": 0
 * }
 * }</pre>
 * OLCUT XML form: a component of this class named {@code sweep} (or the only one in the file), with a
 * {@code propertymap} {@code trainer}, a {@code propertylist} {@code axes} of {@link GridAxis} components, and the
 * other fields as properties. List-valued trainer fields (targetModules) are written comma-separated.
 */
public final class SweepGrid implements Configurable {
    /** The JSON keys of a grid file, in the order documented above. */
    static final Set<String> JSON_KEYS = Set.of("trainer", "grid", "seeds", "repeats", "ensembleSize", "maxEnsembleSize", "folds");

    /** The OLCUT component name looked up first in an XML grid file. */
    public static final String XML_COMPONENT = "sweep";

    @Config(description = "Trainer fields fixed for every run of the sweep (field name to value; lists comma-separated).")
    private Map<String, String> trainer = new LinkedHashMap<>();

    @Config(description = "The axes; the configurations are their Cartesian product, the first axis varying slowest.")
    private List<GridAxis> axes = new ArrayList<>();

    @Config(description = "Seeds every configuration is trained with (the trainer's seed field); empty: 1..repeats.")
    private List<Long> seeds = new ArrayList<>();

    @Config(description = "Runs per configuration when seeds is empty (seeds 1..repeats).")
    private int repeats = 1;

    @Config(description = "Ensemble size K of the ensemble variant evaluated for every run with LoRA dropout.")
    private int ensembleSize = 8;

    @Config(description = "Largest ensemble size of the accuracy and ECE curve over K = 1..maxEnsembleSize.")
    private int maxEnsembleSize = 16;

    @Config(description = "k of k-fold cross-validation on the training data (Tribuo's CrossValidation) instead of the dev set; 0 for none.")
    private int folds = 0;

    /** For OLCUT. */
    private SweepGrid() {}

    /**
     * A grid.
     * @param trainer fixed trainer settings.
     * @param axes the axes.
     * @param seeds the seeds (empty: {@code 1..repeats}).
     * @param repeats runs per configuration when {@code seeds} is empty.
     * @param ensembleSize the ensemble variant's K.
     * @param maxEnsembleSize the largest K of the ensemble curve.
     * @param folds k of k-fold cross-validation, 0 for none.
     * @throws PropertyException naming the field when a setting is invalid.
     */
    public SweepGrid(Map<String, String> trainer, List<GridAxis> axes, List<Long> seeds, int repeats, int ensembleSize,
                     int maxEnsembleSize, int folds) {
        this.trainer = new LinkedHashMap<>(trainer);
        this.axes = new ArrayList<>(axes);
        this.seeds = new ArrayList<>(seeds);
        this.repeats = repeats;
        this.ensembleSize = ensembleSize;
        this.maxEnsembleSize = maxEnsembleSize;
        this.folds = folds;
        postConfig();
    }

    /**
     * Checks the grid.
     * @throws PropertyException naming the field when a setting is invalid.
     */
    @Override
    public void postConfig() {
        check(repeats >= 1, "repeats", "must be at least 1, got " + repeats);
        check(ensembleSize >= 2, "ensembleSize", "must be at least 2, got " + ensembleSize);
        check(maxEnsembleSize >= ensembleSize, "maxEnsembleSize", "must be at least ensembleSize (" + ensembleSize + "), got " + maxEnsembleSize);
        check(folds == 0 || folds >= 2, "folds", "must be 0 (no cross-validation) or at least 2, got " + folds);
        check(seeds.stream().distinct().count() == seeds.size(), "seeds", "repeats a seed: " + seeds);
        List<String> fields = new ArrayList<>();
        for (GridAxis a : axes) {
            check(!fields.contains(a.field()), "axes", "two axes vary '" + a.field() + "'");
            check(!trainer.containsKey(a.field()), "axes", "'" + a.field() + "' is both a fixed trainer setting and an axis");
            check(!a.field().equals(TrainerFields.SEED), "axes", "the seed is not an axis: list the seeds in 'seeds'");
            fields.add(a.field());
        }
        check(!trainer.containsKey(TrainerFields.SEED), "trainer", "the seed is set per run: list the seeds in 'seeds'");
        trainer = Collections.unmodifiableMap(new LinkedHashMap<>(trainer));
        axes = List.copyOf(axes);
        seeds = List.copyOf(seeds);
    }

    private static void check(boolean ok, String field, String message) {
        if (!ok) {
            throw new PropertyException("", field, message);
        }
    }

    /**
     * Reads a grid file: JSON ({@code .json}) or OLCUT XML ({@code .xml}).
     * @param file the file.
     * @return the grid.
     * @throws IOException when the file cannot be read.
     * @throws IllegalArgumentException naming the file and the problem when the grid is invalid.
     */
    public static SweepGrid load(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".json")) {
                return fromJson(Files.readString(file));
            } else if (name.endsWith(".xml")) {
                return fromXml(file);
            }
        } catch (PropertyException e) {
            throw new IllegalArgumentException(file + ": field '" + e.getProperty() + "' " + e.getMsg(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(file + ": a grid file is JSON (.json) or OLCUT XML (.xml)");
    }

    /**
     * Parses the JSON form.
     * @param json the JSON text.
     * @return the grid.
     * @throws IllegalArgumentException when the JSON is malformed, has an unknown key or a value of the wrong kind.
     */
    public static SweepGrid fromJson(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("a grid is a JSON object with keys " + JSON_KEYS);
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!JSON_KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown key '" + k + "' (known: trainer, grid, seeds, repeats, ensembleSize,"
                        + " maxEnsembleSize, folds)");
            }
        }
        Map<String, String> trainer = new LinkedHashMap<>();
        JsonNode t = root.path("trainer");
        if (!t.isMissingNode()) {
            requireObject(t, "trainer");
            t.fields().forEachRemaining(e -> trainer.put(e.getKey(), scalarOrList(e.getValue(), "trainer." + e.getKey())));
        }
        List<GridAxis> axes = new ArrayList<>();
        JsonNode g = root.path("grid");
        if (!g.isMissingNode()) {
            requireObject(g, "grid");
            g.fields().forEachRemaining(e -> {
                if (!e.getValue().isArray()) {
                    throw new IllegalArgumentException("grid." + e.getKey() + " must be an array of values, e.g. [0.0, 0.1]");
                }
                List<String> values = new ArrayList<>();
                int i = 0;
                for (JsonNode v : e.getValue()) {
                    values.add(scalarOrList(v, "grid." + e.getKey() + "[" + i++ + "]"));
                }
                axes.add(new GridAxis(e.getKey(), values));
            });
        }
        List<Long> seeds = new ArrayList<>();
        JsonNode s = root.path("seeds");
        if (!s.isMissingNode()) {
            if (!s.isArray()) {
                throw new IllegalArgumentException("seeds must be an array of integers, e.g. [1, 2, 3]");
            }
            for (JsonNode v : s) {
                if (!v.canConvertToLong() || !v.isIntegralNumber()) {
                    throw new IllegalArgumentException("seeds holds '" + v + "', not an integer");
                }
                seeds.add(v.asLong());
            }
        }
        return new SweepGrid(trainer, axes, seeds, intValue(root, "repeats", 1), intValue(root, "ensembleSize", 8),
                intValue(root, "maxEnsembleSize", 16), intValue(root, "folds", 0));
    }

    /**
     * Reads the OLCUT XML form: the component named {@value #XML_COMPONENT}, else the only {@code SweepGrid} in the file.
     * @param file the XML file.
     * @return the grid.
     * @throws IllegalArgumentException when the file holds no grid or several without one named {@value #XML_COMPONENT}.
     */
    public static SweepGrid fromXml(Path file) {
        try (ConfigurationManager cm = new ConfigurationManager(file.toAbsolutePath().toString())) {
            if (cm.getConfigurationData(XML_COMPONENT).isPresent()) {
                return (SweepGrid) cm.lookup(XML_COMPONENT);
            }
            List<SweepGrid> all = cm.lookupAll(SweepGrid.class);
            if (all.size() != 1) {
                throw new IllegalArgumentException("expected one component of type " + SweepGrid.class.getName()
                        + " (or one named '" + XML_COMPONENT + "'), found " + all.size());
            }
            return all.get(0);
        }
    }

    private static void requireObject(JsonNode n, String what) {
        if (!n.isObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object of field names to values");
        }
    }

    private static int intValue(JsonNode root, String key, int dflt) {
        JsonNode n = root.path(key);
        if (n.isMissingNode()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(key + " must be an integer, got " + n);
        }
        return n.asInt();
    }

    /** A JSON value as an OLCUT property string: scalars as text, arrays of scalars comma-separated. */
    private static String scalarOrList(JsonNode v, String where) {
        if (v.isValueNode() && !v.isNull()) {
            return v.asText();
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode x : v) {
                if (!x.isValueNode() || x.isNull()) {
                    throw new IllegalArgumentException(where + " holds " + x + "; list items must be strings or numbers");
                }
                items.add(x.asText());
            }
            return String.join(",", items);
        }
        throw new IllegalArgumentException(where + " is " + v + "; a setting is a string, number, boolean or list of them");
    }

    /**
     * The configurations, the first axis varying slowest: each maps the fixed settings and one value per axis.
     * @return unmodifiable, ordered setting maps (one configuration when there are no axes).
     */
    public List<Map<String, String>> configurations() {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>(trainer));
        for (GridAxis a : axes) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : out) {
                for (String v : a.values()) {
                    Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(a.field(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        List<Map<String, String>> frozen = new ArrayList<>();
        out.forEach(m -> frozen.add(Collections.unmodifiableMap(m)));
        return List.copyOf(frozen);
    }

    /**
     * The seeds of the repeats: {@link #seeds} when given, else {@code 1..repeats}.
     * @return the seeds, in order.
     */
    public List<Long> effectiveSeeds() {
        if (!seeds.isEmpty()) {
            return seeds;
        }
        List<Long> s = new ArrayList<>();
        for (long i = 1; i <= repeats; i++) {
            s.add(i);
        }
        return List.copyOf(s);
    }

    /**
     * Every run: seeds outermost (so an interrupted sweep has whole grids of its first seeds), then configurations.
     * @return the runs, in the order the sweep trains them.
     */
    public List<RunSpec> expand() {
        List<Map<String, String>> configs = configurations();
        List<RunSpec> runs = new ArrayList<>();
        for (long seed : effectiveSeeds()) {
            for (int c = 0; c < configs.size(); c++) {
                Map<String, String> axisValues = new LinkedHashMap<>();
                for (GridAxis a : axes) {
                    axisValues.put(a.field(), configs.get(c).get(a.field()));
                }
                runs.add(new RunSpec(runs.size(), c, configs.get(c), axisValues, seed));
            }
        }
        return List.copyOf(runs);
    }

    /**
     * A copy with other seeds (the command line's {@code --repeats N} gives seeds 1..N).
     * @param newSeeds the seeds.
     * @return the new grid.
     */
    public SweepGrid withSeeds(List<Long> newSeeds) {
        return new SweepGrid(trainer, axes, newSeeds, repeats, ensembleSize, maxEnsembleSize, folds);
    }

    /**
     * A copy with k-fold cross-validation.
     * @param k the number of folds (0: none).
     * @return the new grid.
     */
    public SweepGrid withFolds(int k) {
        return new SweepGrid(trainer, axes, seeds, repeats, ensembleSize, maxEnsembleSize, k);
    }

    /**
     * The fixed trainer settings.
     * @return an unmodifiable map.
     */
    public Map<String, String> trainer() {
        return trainer;
    }

    /**
     * The axes.
     * @return an unmodifiable list.
     */
    public List<GridAxis> axes() {
        return axes;
    }

    /**
     * The ensemble variant's K.
     * @return K.
     */
    public int ensembleSize() {
        return ensembleSize;
    }

    /**
     * The largest K of the ensemble curve.
     * @return the maximum K.
     */
    public int maxEnsembleSize() {
        return maxEnsembleSize;
    }

    /**
     * k of k-fold cross-validation (0: none, the dev set selects).
     * @return k.
     */
    public int folds() {
        return folds;
    }

    /**
     * The grid as JSON-ready maps (the JSON grid format).
     * @return an ordered map.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainer", trainer);
        Map<String, Object> g = new LinkedHashMap<>();
        axes.forEach(a -> g.put(a.field(), a.values()));
        m.put("grid", g);
        m.put("seeds", effectiveSeeds());
        m.put("ensembleSize", ensembleSize);
        m.put("maxEnsembleSize", maxEnsembleSize);
        m.put("folds", folds);
        return m;
    }

    @Override
    public String toString() {
        return "SweepGrid" + toMap();
    }
}
