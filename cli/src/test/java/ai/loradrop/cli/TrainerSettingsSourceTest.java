/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.lora.DropoutMode;
import ai.loradrop.tribuo.LoraDropTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, house 2: one source for every trainer default and description. The {@code @Config} fields of
 * {@link LoraDropTrainer} are that source; the builder, the CLI's options, help, defaults and validation, and the
 * README's configuration reference are derived from them, and these tests fail when a copy drifts.
 */
class TrainerSettingsSourceTest {
    static final Path README = Path.of("..", "README.md");
    static final String BEGIN = "<!-- configuration-reference: generated from LoraDropTrainer's @Config fields by"
            + " TrainerFlags.markdownTable(); TrainerSettingsSourceTest checks it (-Dloradrop.writeReadme=true rewrites it) -->";
    static final String END = "<!-- /configuration-reference -->";

    @TempDir
    Path dir;

    private static Object get(LoraDropTrainer t, LoraDropTrainer.Setting s) throws IllegalAccessException {
        return s.field().get(t);
    }

    @Test
    void everySettingIsAnOptionWhoseHelpShowsTheFieldsDescriptionAndDefault() {
        String help = CliRun.of("train", "--help").out();
        Set<String> covered = new TreeSet<>();
        for (TrainerFlags.Flag f : TrainerFlags.ALL) {
            covered.add(f.setting().name());
            assertTrue(help.contains("  " + f.synopsis() + " ") || help.contains("  " + f.synopsis() + "\n"),
                    f.synopsis() + " missing from the help");
            String firstWords = f.setting().description().split(" ")[0];
            assertTrue(help.contains(firstWords), "description of " + f.setting().name());
            String d = TrainerFlags.defaultText(f.setting().defaultValue());
            if (!f.isSwitch() && d != null) {
                String flat = help.replaceAll("\\s+", " ");
                assertTrue(flat.contains(f.setting().description().replaceAll("\\s+", " ") + " [" + d + "]"),
                        f.name() + " help must end with the trainer's default [" + d + "]");
            }
        }
        for (LoraDropTrainer.Setting s : LoraDropTrainer.settings()) {
            assertTrue(covered.contains(s.name()) || TrainerFlags.NOT_OPTIONS.contains(s.name()),
                    "trainer setting " + s.name() + " has no option");
        }
    }

    @Test
    void noOptionsGiveTheTrainersDefaultsAndEachOptionSetsItsField() throws Exception {
        TinyFixture fx = TinyFixture.in(dir);
        Path onnx = fx.encoder.resolve("model.onnx");
        Path vocab = fx.encoder.resolve("vocab.txt");
        LoraDropTrainer builderDefaults = LoraDropTrainer.builder(onnx, vocab).build();
        Args none = Args.parse(List.of(), List.copyOf(TrainerFlags.FLAGS.keySet()), List.copyOf(TrainerFlags.OPTIONS.keySet()), "u");
        LoraDropTrainer cliDefaults = TrainerFlags.trainer(none, new BaseModelFiles(onnx, vocab, null), null);
        Set<String> given = Set.of("encoder", "baseModelPath", "tokenizerPath"); // the builder's arguments
        for (LoraDropTrainer.Setting s : LoraDropTrainer.settings()) {
            if (!given.contains(s.name())) {
                assertEquals(s.defaultValue(), get(builderDefaults, s), "builder default of " + s.name());
                assertEquals(s.defaultValue(), get(cliDefaults, s), "command-line default of " + s.name());
            }
        }
        List<String> options = List.of("--learning-rate", "0.004", "--target-modules", "query,key", "--dropout-mode", "INPUT",
                "--epochs", "2", "--rslora", "--sparse-unscaled", "--reference-base-model", "--ensemble", "3",
                "--checkpoint-dir", dir.toString(), "--log-interval-seconds", "2.5");
        Args a = Args.parse(options, List.copyOf(TrainerFlags.FLAGS.keySet()), List.copyOf(TrainerFlags.OPTIONS.keySet()), "u");
        LoraDropTrainer t = TrainerFlags.trainer(a, new BaseModelFiles(onnx, vocab, null), null);
        LoraDropTrainer expected = LoraDropTrainer.builder(onnx, vocab).learningRate(0.004).targetModules(List.of("query", "key"))
                .dropoutMode(DropoutMode.INPUT).epochs(2).rsLora(true).sparseScaled(false).embedBaseModel(false)
                .ensembleSize(3).checkpointDir(dir).logIntervalSeconds(2.5).build();
        for (LoraDropTrainer.Setting s : LoraDropTrainer.settings()) {
            assertEquals(get(expected, s), get(t, s), "setting " + s.name());
        }
    }

    @Test
    void builderSettersAreTheConfigFieldsAndTheirJavadocRestatesNoDefault() throws IOException {
        Set<String> fields = new TreeSet<>();
        LoraDropTrainer.settings().forEach(s -> fields.add(s.name()));
        Set<String> setters = new TreeSet<>();
        for (Method m : LoraDropTrainer.Builder.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && m.getParameterCount() == 1 && !m.getName().equals("set")) {
                setters.add(m.getName());
            }
        }
        fields.removeAll(Set.of("encoder", "baseModelPath", "tokenizerPath")); // given to builder(...)
        assertEquals(fields, setters, "one builder setter per @Config field");
        String source = Files.readString(Path.of("..", "plugin", "src", "main", "java", "ai", "loradrop", "tribuo",
                "LoraDropTrainer.java"), StandardCharsets.UTF_8);
        String builder = source.substring(source.indexOf("public static final class Builder"));
        assertFalse(builder.matches("(?s).*\\(default [^)]*\\).*"), "the builder's javadoc restates a default");
    }

    @Test
    void readmeConfigurationReferenceIsGeneratedFromTheTrainer() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int b = readme.indexOf(BEGIN);
        int e = readme.indexOf(END);
        assertTrue(b >= 0 && e > b, "README.md must hold the generated table between\n" + BEGIN + "\nand\n" + END);
        String expected = "\n" + TrainerFlags.markdownTable();
        String actual = readme.substring(b + BEGIN.length(), e);
        if (!expected.equals(actual) && Boolean.getBoolean("loradrop.writeReadme")) {
            Files.writeString(README, readme.substring(0, b + BEGIN.length()) + expected + readme.substring(e), StandardCharsets.UTF_8);
            actual = expected;
        }
        assertEquals(expected, actual, "README.md's configuration reference differs from the trainer's @Config fields;"
                + " rerun this test with -Dloradrop.writeReadme=true to regenerate it");
    }

    @Test
    void kebabNames() {
        assertEquals("learning-rate", TrainerFlags.kebab("learningRate"));
        assertEquals("log-interval-seconds", TrainerFlags.kebab("logIntervalSeconds"));
        List<String> names = new ArrayList<>();
        TrainerFlags.ALL.forEach(f -> names.add(f.name()));
        assertEquals(names.size(), new TreeSet<>(names).size(), "option names are unique: " + names);
    }
}
