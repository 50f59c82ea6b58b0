/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.data.columnar.ColumnarFeature;
import org.tribuo.data.columnar.FieldProcessor;
import org.tribuo.data.columnar.RowProcessor;
import org.tribuo.data.columnar.extractors.IdentityExtractor;
import org.tribuo.data.columnar.processors.response.FieldResponseProcessor;
import org.tribuo.data.csv.CSVDataSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Tribuo's stock columnar route (CSVDataSource + RowProcessor + IdentityExtractor + ConstantFieldProcessor)
 * produces the same text examples as {@link TextDataSource}.
 */
class ColumnarRouteTest {

    /** The XML config, relative to the repository; tests run in plugin/. */
    static final String CONFIG = "../examples/configs/wordnet-columnar-datasource.xml";
    static final String WORDNET_DIR = "../examples/data/wordnet-supersenses";

    @TempDir
    Path dir;

    private static <T extends org.tribuo.Output<T>> List<Example<T>> list(Iterable<Example<T>> source) {
        List<Example<T>> out = new ArrayList<>();
        source.forEach(out::add);
        return out;
    }

    private static List<String> featureNames(Example<?> ex) {
        List<String> names = new ArrayList<>();
        for (Feature f : ex) {
            names.add(f.getName() + "=" + f.getValue());
        }
        return names;
    }

    @Test
    void rowProcessorPutsRawTextInMetadata() throws IOException {
        Path csv = dir.resolve("rows.csv");
        Files.writeString(csv, "id,label,text\n"
                + "r1,animal,\"a dog, barking\"\n"
                + "r2,plant,\"two\nlines  \"\n", StandardCharsets.UTF_8);
        LabelFactory factory = new LabelFactory();
        RowProcessor<Label> rows = new RowProcessor<>(
                List.of(new IdentityExtractor("text", TextExamples.DEFAULT_TEXT_KEY), new IdentityExtractor("id", TextExamples.ID_KEY)),
                null,
                new FieldResponseProcessor<>(List.of("label"), List.of(Label.UNKNOWN), factory, false, false),
                Map.<String, FieldProcessor>of("text", new ConstantFieldProcessor("text")),
                Set.of());
        List<Example<Label>> columnar = list(new CSVDataSource<>(csv, rows, true));
        List<Example<Label>> ours = list(TextDataSource.builder(csv).idColumn("id").build());

        assertEquals(2, columnar.size());
        // The metadata extractor sees the raw cell: the newline and trailing spaces are kept.
        assertEquals("two\nlines  ", TextExamples.requireText(columnar.get(1), "text", 1));
        assertEquals("a dog, barking", TextExamples.requireText(columnar.get(0), "text", 0));
        assertEquals("r2", columnar.get(1).getMetadataValue("id").orElseThrow());
        assertEquals("plant", columnar.get(1).getOutput().getLabel());
        assertEquals(List.of("loradrop:text=1.0"), featureNames(columnar.get(1)));
        for (int i = 0; i < 2; i++) {
            assertEquals(ours.get(i).getMetadata(), columnar.get(i).getMetadata());
            assertEquals(ours.get(i).getOutput(), columnar.get(i).getOutput());
            assertEquals(featureNames(ours.get(i)), featureNames(columnar.get(i)));
        }
    }

    @Test
    void constantFieldProcessorEmitsItsFeatureForAnyValue() {
        ConstantFieldProcessor p = new ConstantFieldProcessor("text");
        for (String value : new String[]{"", "anything", "a\nb"}) {
            List<ColumnarFeature> features = p.process(value);
            assertEquals(1, features.size());
            assertEquals("loradrop:text", features.get(0).getName());
            assertEquals(1.0, features.get(0).getValue());
        }
        ConstantFieldProcessor other = new ConstantFieldProcessor("title", "bias", 0.5);
        ConstantFieldProcessor copy = other.copy("body");
        assertEquals("body", copy.getFieldName());
        assertEquals("bias", copy.process("x").get(0).getName());
        assertEquals(0.5, copy.process("x").get(0).getValue());
        assertEquals("featureValue", assertThrows(PropertyException.class, () -> new ConstantFieldProcessor("t", "f", 0.0)).getProperty());
        assertEquals("featureName", assertThrows(PropertyException.class, () -> new ConstantFieldProcessor("t", " ", 1.0)).getProperty());
        assertEquals("fieldName", assertThrows(PropertyException.class, () -> new ConstantFieldProcessor(null)).getProperty());
    }

    @Test
    @SuppressWarnings("unchecked")
    void xmlConfigLoadsWordnetThroughStockRoute() throws Exception {
        // The data paths in the XML are relative to the repository root; override them for plugin/.
        try (ConfigurationManager cm = new ConfigurationManager(new String[]{"-c", CONFIG,
                "--@wordnet-train.dataPath", WORDNET_DIR + "/train.csv",
                "--@wordnet-dev.dataPath", WORDNET_DIR + "/dev.csv",
                "--@wordnet-train-text.path", WORDNET_DIR + "/train.csv"})) {
            CSVDataSource<Label> train = (CSVDataSource<Label>) cm.lookup("wordnet-train");
            List<Example<Label>> examples = list(train);
            assertEquals(3892, examples.size());
            Example<Label> first = examples.get(0);
            assertEquals("a unit of measurement for work", TextExamples.requireText(first, "text", 0));
            assertEquals("n13609507", first.getMetadataValue("id").orElseThrow());
            assertEquals("noun.quantity", first.getOutput().getLabel());
            assertEquals(List.of("loradrop:text=1.0"), featureNames(first));

            // The dev source inherits everything but the path from the train source.
            List<Example<Label>> dev = list((CSVDataSource<Label>) cm.lookup("wordnet-dev"));
            assertEquals(973, dev.size());
            assertEquals("a pass in a mountain ridge through which a stream flows", TextExamples.requireText(dev.get(0), "text", 0));

            MutableDataset<Label> dataset = new MutableDataset<>(train);
            assertEquals(26, dataset.getOutputInfo().size());
            assertEquals(1, dataset.getFeatureMap().size());

            // The one-component route in the same file reads the same rows and records the same file hash.
            TextDataSource text = (TextDataSource) cm.lookup("wordnet-train-text");
            assertEquals(3892, text.size());
            List<Example<Label>> ours = list(text);
            for (int i : new int[]{0, 1, 1000, 3891}) {
                assertEquals(examples.get(i).getMetadata(), ours.get(i).getMetadata());
                assertEquals(examples.get(i).getOutput(), ours.get(i).getOutput());
            }
            String csvHash = train.getProvenance().getInstanceValues().get("resource-hash").getValue().toString();
            // Tribuo writes upper-case hex, LoRA-Drop lower-case (ai.loradrop.io.Sha256): the same digest.
            assertEquals(csvHash.toLowerCase(java.util.Locale.ROOT), text.getProvenance().getSha256());
        }
    }
}
