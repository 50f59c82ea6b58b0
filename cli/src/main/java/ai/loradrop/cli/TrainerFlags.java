/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropTrainer;
import com.oracle.labs.mlrg.olcut.config.PropertyException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The hyperparameter options of {@code loradrop train}, derived from the trainer's {@code @Config} fields
 * ({@link LoraDropTrainer#settings()}): each field is the option {@code --kebab-case-name} ({@code learningRate}
 * becomes {@code --learning-rate}), parsed by the field's type, with the field's description and default as its help
 * line, and validated by the trainer itself. Boolean fields are switches. The only CLI-side facts are the few
 * exceptions below ({@link #RENAMED}, {@link #NEGATED}, {@link #NOT_OPTIONS}), so a new trainer field is a new option
 * with no change here.
 */
final class TrainerFlags {
    private TrainerFlags() {}

    /** Fields whose option is not the kebab-case of their name. */
    static final Map<String, String> RENAMED = Map.of(
            "rsLora", "--rslora",
            "initialAdapterPath", "--peft",
            "ensembleSize", "--ensemble",
            "ensembleSeed", "--ensemble-seed");

    /** Boolean fields that default to true: the switch that sets them to false. */
    static final Map<String, String> NEGATED = Map.of(
            "sparseScaled", "--sparse-unscaled",
            "embedBaseModel", "--reference-base-model");

    /**
     * Fields the command sets from its other options: the encoder and tokenizer ({@code --encoder}, or
     * {@code --base-model} and {@code --tokenizer}, resolved by {@link BaseModelFiles}) and the metadata keys (fixed by the data reader; {@code --pair-column} sets the pair key).
     */
    static final Set<String> NOT_OPTIONS = Set.of("encoder", "baseModelPath", "tokenizerPath", "textKey", "pairKey");

    /**
     * One option.
     * @param name     the option, e.g. {@code --learning-rate}.
     * @param setting  the trainer field it sets.
     * @param isSwitch whether it takes no value (boolean fields).
     * @param tasks    the tasks whose trainer has the setting.
     */
    record Flag(String name, LoraDropTrainer.Setting setting, boolean isSwitch, Set<Task> tasks) {
        /** The value a switch sets. */
        boolean switchValue() {
            return !NEGATED.containsKey(setting.name());
        }

        /** The option with its value's placeholder, as the help shows it. */
        String synopsis() {
            return isSwitch ? name : name + " " + placeholder(setting.type());
        }

        /** The help text: the field's description and its default in brackets. */
        String help() {
            if (isSwitch) {
                return (switchValue() ? "" : "sets " + setting.name() + " to false: ") + setting.description();
            }
            String d = defaultText(setting.defaultValue());
            return setting.description() + (d == null ? "" : " [" + d + "]")
                    + (tasks.size() == Task.values().length ? "" : " (" + Task.OPTION + " "
                    + tasks.stream().map(Task::option).collect(Collectors.joining(", ")) + ")");
        }
    }

    /** Every option, in the trainer's field order. */
    static final List<Flag> ALL = derive();
    /** The options with a value, by name. */
    static final Map<String, Flag> OPTIONS = index(false);
    /** The switches, by name. */
    static final Map<String, Flag> FLAGS = index(true);

    /** Column where help descriptions start. */
    private static final int HELP_COLUMN = 27;
    /** Width of help lines. */
    private static final int HELP_WIDTH = 116;

    /** The help lines of the hyperparameter options. */
    static final String HELP = "Hyperparameters (LoraDropTrainer settings; defaults in brackets):\n"
            + ALL.stream().map(f -> helpLine(f.synopsis(), f.help())).collect(Collectors.joining("\n"));

    private static List<Flag> derive() {
        // Every task's settings, each once: the shared ones in the classification trainer's order, then each
        // task's own, valid for the tasks whose trainer declares them.
        Map<String, LoraDropTrainer.Setting> byName = new LinkedHashMap<>();
        Map<String, java.util.EnumSet<Task>> tasks = new LinkedHashMap<>();
        for (Task t : Task.values()) {
            for (LoraDropTrainer.Setting s : t.settings()) {
                byName.putIfAbsent(s.name(), s);
                tasks.computeIfAbsent(s.name(), n -> java.util.EnumSet.noneOf(Task.class)).add(t);
            }
        }
        List<Flag> out = new ArrayList<>();
        for (LoraDropTrainer.Setting s : byName.values()) {
            if (NOT_OPTIONS.contains(s.name())) {
                continue;
            }
            boolean bool = s.type() == boolean.class || s.type() == Boolean.class;
            String name;
            if (bool && Boolean.TRUE.equals(s.defaultValue())) {
                name = NEGATED.get(s.name());
                if (name == null) {
                    throw new IllegalStateException("Trainer setting " + s.name() + " defaults to true: add its"
                            + " false-setting switch to TrainerFlags.NEGATED");
                }
            } else {
                name = RENAMED.getOrDefault(s.name(), "--" + kebab(s.name()));
            }
            out.add(new Flag(name, s, bool, Collections.unmodifiableSet(tasks.get(s.name()))));
        }
        return Collections.unmodifiableList(out);
    }

    private static Map<String, Flag> index(boolean switches) {
        Map<String, Flag> m = new LinkedHashMap<>();
        for (Flag f : ALL) {
            if (f.isSwitch() == switches) {
                m.put(f.name(), f);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** {@code learningRate} to {@code learning-rate}. */
    static String kebab(String field) {
        return field.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static String placeholder(Class<?> type) {
        if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
            return "N";
        } else if (type == double.class || type == float.class || type == Double.class) {
            return "X";
        } else if (type.isEnum()) {
            return Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining("|"));
        } else if (List.class.isAssignableFrom(type)) {
            return "a,b";
        } else if (type == Path.class) {
            return "PATH";
        }
        return "S";
    }

    /** A default as the help and the README show it, or null when the setting is unset by default. */
    static String defaultText(Object v) {
        if (v == null) {
            return null;
        } else if (v instanceof List<?> l) {
            return l.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return String.valueOf(v);
    }

    /** One help line: the synopsis, then the text wrapped at the help width and indented to the help column. */
    static String helpLine(String synopsis, String text) {
        StringBuilder sb = new StringBuilder("  ").append(synopsis);
        if (sb.length() + 1 > HELP_COLUMN) {
            sb.append('\n').append(" ".repeat(HELP_COLUMN));
        } else {
            sb.append(" ".repeat(HELP_COLUMN - sb.length()));
        }
        int lineStart = sb.lastIndexOf("\n") + 1;
        boolean first = true;
        for (String word : text.split(" ")) {
            if (!first && sb.length() - lineStart + 1 + word.length() > HELP_WIDTH) {
                sb.append('\n');
                lineStart = sb.length();
                sb.append(" ".repeat(HELP_COLUMN));
                first = true;
            }
            if (!first) {
                sb.append(' ');
            }
            sb.append(word);
            first = false;
        }
        return sb.toString();
    }

    /**
     * Builds the trainer.
     * @param a the parsed options.
     * @param base the base model files.
     * @param pairKey the metadata key of the second text, or null for single texts.
     * @return the trainer.
     * @throws UsageException when a value is malformed or rejected by the trainer (naming the option).
     */
    static LoraDropTrainer trainer(Args a, BaseModelFiles base, String pairKey) {
        LoraDropTrainer.Builder b = (base.encoder() != null ? LoraDropTrainer.builder(base.encoder())
                : LoraDropTrainer.builder(base.onnx(), base.tokenizer())).pairKey(pairKey);
        return build(a, Task.CLASSIFICATION, b::set, b::build);
    }

    /**
     * Builds the trainer of a task through its builder: sets every option given (refusing the options of other
     * tasks), then builds it.
     * @param a the parsed options.
     * @param task the task.
     * @param set the builder's set-by-field-name.
     * @param build the builder's build.
     * @param <R> the trainer type.
     * @return the trainer.
     * @throws UsageException when a value is malformed, belongs to another task, or is rejected by the trainer.
     */
    static <R> R build(Args a, Task task, java.util.function.BiConsumer<String, Object> set,
                       java.util.function.Supplier<R> build) {
        if (a.has("--peft")) {
            AdapterModel.adapterDir(a);
        }
        for (Flag f : ALL) {
            if (f.isSwitch() ? a.flag(f.name()) : a.has(f.name())) {
                if (!f.tasks().contains(task)) {
                    throw a.error(f.name() + " applies to " + Task.OPTION + " "
                            + f.tasks().stream().map(Task::option).collect(Collectors.joining(" or "))
                            + ", not " + task.option());
                }
                set.accept(f.setting().name(), f.isSwitch() ? (Object) f.switchValue() : parse(a, f));
            }
        }
        try {
            return build.get();
        } catch (PropertyException e) {
            if ("initialAdapterPath".equals(e.getProperty())) {
                // The folder was checked above, so this is an adapter that does not fit the settings: a failure.
                throw new IllegalArgumentException("The adapter given to --peft does not fit the training settings: " + e.getMsg(), e);
            }
            throw a.error("Invalid " + flagOf(e.getProperty()) + ": " + e.getMsg());
        }
    }

    /** The value of a valued option, parsed by its field's type. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object parse(Args a, Flag f) {
        Class<?> t = f.setting().type();
        String n = f.name();
        if (t == int.class || t == Integer.class) {
            return a.intValue(n, 0);
        } else if (t == long.class || t == Long.class) {
            return a.longValue(n, 0);
        } else if (t == double.class || t == Double.class) {
            return a.doubleValue(n, 0);
        } else if (t.isEnum()) {
            return a.enumValue(n, (Class<Enum>) t, null);
        } else if (List.class.isAssignableFrom(t)) {
            return a.list(n, null);
        } else if (t == Path.class) {
            return Path.of(a.require(n));
        } else if (t == String.class) {
            return a.require(n);
        }
        throw new IllegalStateException("Trainer setting " + f.setting().name() + " has type " + t.getName()
                + ", which the command line cannot parse yet: add it to TrainerFlags.parse");
    }

    /**
     * A setting's value as the command line gives it: the parsed option, else the trainer's default.
     * @param a the options.
     * @param field the trainer field.
     * @return the value (boxed).
     */
    static Object value(Args a, String field) {
        for (Flag f : ALL) {
            if (f.setting().name().equals(field)) {
                if (f.isSwitch()) {
                    return a.flag(f.name()) ? f.switchValue() : f.setting().defaultValue();
                }
                return a.has(f.name()) ? parse(a, f) : f.setting().defaultValue();
            }
        }
        throw new IllegalArgumentException("No command-line option sets trainer setting " + field);
    }

    /** The option that sets a trainer field, for error messages. */
    static String flagOf(String field) {
        for (Flag f : ALL) {
            if (f.setting().name().equals(field)) {
                return f.name();
            }
        }
        return switch (field) {
            case "encoder" -> "--encoder";
            case "baseModelPath" -> "--base-model";
            case "tokenizerPath" -> "--tokenizer";
            default -> field;
        };
    }

    /** The hyperparameter options as given on the command line, for the report's settings. */
    static Map<String, Object> given(Args a) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Flag f : ALL) {
            if (f.isSwitch() ? a.flag(f.name()) : a.has(f.name())) {
                m.put(f.setting().name(), f.isSwitch() ? f.switchValue() : a.value(f.name(), null));
            }
        }
        return m;
    }

    /**
     * The README's configuration reference: one Markdown table row per trainer setting with its option, default and
     * description, generated from the trainer (a test keeps README.md equal to it).
     * @return the table.
     */
    static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| field | type | `loradrop train` option | default | meaning |\n");
        sb.append("|---|---|---|---|---|\n");
        Map<String, LoraDropTrainer.Setting> all = new LinkedHashMap<>();
        for (Task t : Task.values()) {
            t.settings().forEach(s -> all.putIfAbsent(s.name(), s));
        }
        for (LoraDropTrainer.Setting s : all.values()) {
            String option = ALL.stream().filter(f -> f.setting().name().equals(s.name())).findFirst()
                    .map(f -> "`" + f.synopsis() + "`").orElse(switch (s.name()) {
                        case "encoder" -> "`--encoder NAME`";
                        case "baseModelPath" -> "`--base-model`";
                        case "tokenizerPath" -> "`--tokenizer`";
                        case "pairKey" -> "set by `--pair-column`";
                        default -> "—";
                    });
            String d = defaultText(s.defaultValue());
            String type = List.class.isAssignableFrom(s.type()) ? "List<String>" : s.type().getSimpleName();
            sb.append("| `").append(s.name()).append("` | `").append(type).append("` | ")
                    .append(option.replace("|", "\\|")).append(" | ")
                    .append(s.mandatory() ? "**required**" : d == null ? "(unset)" : "`" + d + "`").append(" | ")
                    .append(s.description().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }
}
