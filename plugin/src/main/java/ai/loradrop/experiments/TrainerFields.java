/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.tribuo.LoraDropTrainer;
import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.config.property.ListProperty;
import com.oracle.labs.mlrg.olcut.config.property.Property;
import com.oracle.labs.mlrg.olcut.config.property.SimpleProperty;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies sweep settings to a {@link LoraDropTrainer} through OLCUT: the base trainer's configuration (every
 * {@code @Config} field it has) with some fields replaced, instantiated by a {@link ConfigurationManager} so that
 * each value is parsed and validated exactly as in a configuration file ({@code postConfig()} names a bad field).
 */
public final class TrainerFields {
    /** The trainer's seed field, which a sweep sets per run. */
    public static final String SEED = "seed";

    /** The {@code @Config} fields of {@link LoraDropTrainer}, by name. */
    private static final Map<String, Field> FIELDS = configFields();

    private TrainerFields() {}

    private static Map<String, Field> configFields() {
        Map<String, Field> m = new TreeMap<>();
        // The shared settings live in the abstract superclass, so the whole class chain is read.
        for (Class<?> c = LoraDropTrainer.class; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(Config.class)) {
                    m.putIfAbsent(f.getName(), f);
                }
            }
        }
        return m;
    }

    /**
     * The names of the trainer's configurable fields.
     * @return sorted names.
     */
    public static List<String> names() {
        return List.copyOf(FIELDS.keySet());
    }

    /**
     * Checks that every key names a trainer field.
     * @param settings field names to values.
     * @throws IllegalArgumentException naming the first unknown field and listing the known ones.
     */
    public static void checkNames(Collection<String> settings) {
        for (String k : settings) {
            if (!FIELDS.containsKey(k)) {
                throw new IllegalArgumentException("'" + k + "' is not a LoraDropTrainer field (fields: "
                        + String.join(", ", FIELDS.keySet()) + ")");
            }
        }
    }

    /**
     * A trainer configured as the base one, with some fields set.
     * @param base the base trainer (its settings are kept unless replaced).
     * @param settings field names to values as OLCUT writes them (lists comma-separated).
     * @return a new trainer.
     * @throws IllegalArgumentException naming the field when a name is unknown or a value is invalid.
     */
    public static LoraDropTrainer configure(LoraDropTrainer base, Map<String, String> settings) {
        checkNames(settings.keySet());
        Map<String, Property> props;
        String className;
        try (ConfigurationManager cm = new ConfigurationManager()) {
            String name = cm.importConfigurable(base, "loradrop-sweep-base");
            ConfigurationData data = cm.getConfigurationData(name).orElseThrow();
            props = new LinkedHashMap<>(data.getProperties());
            className = data.getClassName();
        }
        for (Map.Entry<String, String> e : settings.entrySet()) {
            Field f = FIELDS.get(e.getKey());
            if (Collection.class.isAssignableFrom(f.getType())) {
                List<String> items = new ArrayList<>();
                Arrays.stream(e.getValue().split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(items::add);
                props.put(e.getKey(), ListProperty.createFromStringList(items));
            } else {
                props.put(e.getKey(), new SimpleProperty(e.getValue()));
            }
        }
        try (ConfigurationManager cm = new ConfigurationManager()) {
            cm.addConfiguration(new ConfigurationData("loradrop-sweep-run", className, props));
            return (LoraDropTrainer) cm.lookup("loradrop-sweep-run");
        } catch (PropertyException e) {
            throw new IllegalArgumentException("trainer field '" + e.getProperty() + "' " + e.getMsg(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot set the trainer fields " + settings + ": " + message(e), e);
        }
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            if (t instanceof PropertyException p) {
                return "field '" + p.getProperty() + "' " + p.getMsg();
            }
            t = t.getCause();
        }
        return t instanceof PropertyException p ? "field '" + p.getProperty() + "' " + p.getMsg() : String.valueOf(t.getMessage());
    }
}
