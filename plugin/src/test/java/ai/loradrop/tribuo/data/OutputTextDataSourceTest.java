/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.multilabel.MultiLabel;
import org.tribuo.protos.core.DatasetProto;
import org.tribuo.regression.Regressor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-label and regression data through {@link MultiLabelTextDataSource} and {@link RegressionTextDataSource}.
 */
class OutputTextDataSourceTest {

    /** The shipped data sets, relative to plugin/. */
    static final Path DATA = Path.of("../examples/data");

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private static <T extends org.tribuo.Output<T>> List<Example<T>> list(Iterable<Example<T>> source) {
        List<Example<T>> out = new ArrayList<>();
        source.forEach(out::add);
        return out;
    }

    private static Set<String> names(MultiLabel m) {
        return new TreeSet<>(m.getNameSet());
    }

    @Test
    void multiLabelCsvReadsCommaJoinedLabelsAndEmptySets() throws IOException {
        Path csv = write("tags.csv", "text,tags,w\n"
                + "a text,\"sports, politics\",2\n"
                + "second,sports,1\n"
                + "no tags at all,,0.5\n");
        MultiLabelTextDataSource source = TextDataSource.builder(csv).labelColumn("tags").weightColumn("w").buildMultiLabel();
        List<Example<MultiLabel>> ex = list(source);
        assertEquals(3, ex.size());
        assertEquals(Set.of("politics", "sports"), names(ex.get(0).getOutput()));
        assertEquals(2f, ex.get(0).getWeight());
        assertEquals(Set.of("sports"), names(ex.get(1).getOutput()));
        assertEquals(Set.of(), names(ex.get(2).getOutput()));
        assertEquals("no tags at all", TextExamples.requireText(ex.get(2), "text", 2));

        MutableDataset<MultiLabel> dataset = new MutableDataset<>(source);
        Set<String> domain = new TreeSet<>();
        dataset.getOutputInfo().getDomain().forEach(l -> domain.addAll(l.getNameSet()));
        assertEquals(Set.of("politics", "sports"), domain);
        assertInstanceOf(TextDataSourceProvenance.class, dataset.getProvenance().getSourceProvenance());
        assertEquals(MultiLabelTextDataSource.class.getName(), source.getProvenance().getClassName());
    }

    @Test
    void multiLabelJsonLinesTakesArraysAndStrings() throws IOException {
        Path jsonl = write("tags.jsonl", "{\"text\": \"one\", \"label\": [\"a\", \"b\"]}\n"
                + "{\"text\": \"two\", \"label\": \"b,c\"}\n"
                + "{\"text\": \"three\", \"label\": []}\n");
        List<Example<MultiLabel>> ex = list(new MultiLabelTextDataSource(jsonl));
        assertEquals(Set.of("a", "b"), names(ex.get(0).getOutput()));
        assertEquals(Set.of("b", "c"), names(ex.get(1).getOutput()));
        assertEquals(Set.of(), names(ex.get(2).getOutput()));
    }

    @Test
    void multiLabelErrorsNameTheLine() throws IOException {
        Path doubled = write("doubled.csv", "text,label\nfine,a\nbad,\"a,,b\"\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new MultiLabelTextDataSource(doubled));
        assertEquals(3, e.getLine());
        assertTrue(e.getMessage().contains("empty label in 'a,,b'"), e.getMessage());
        assertTrue(e.getMessage().contains("column 'label'"), e.getMessage());

        Path trailing = write("trailing.csv", "text,label\nbad,\"a,\"\n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new MultiLabelTextDataSource(trailing))
                .getMessage().contains("empty label"));

        Path twice = write("twice.csv", "text,label\nbad,\"a, a\"\n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new MultiLabelTextDataSource(twice))
                .getMessage().contains("label 'a' is listed twice"));

        Path comma = write("comma.jsonl", "{\"text\": \"x\", \"label\": [\"a,b\"]}\n");
        TextDataFormatException c = assertThrows(TextDataFormatException.class, () -> new MultiLabelTextDataSource(comma));
        assertEquals(1, c.getLine());
        assertTrue(c.getMessage().contains("contains a comma"), c.getMessage());

        Path number = write("number.jsonl", "{\"text\": \"x\", \"label\": [\"a\"]}\n{\"text\": \"y\", \"label\": [1]}\n");
        TextDataFormatException n = assertThrows(TextDataFormatException.class, () -> new MultiLabelTextDataSource(number));
        assertEquals(2, n.getLine());
        assertTrue(n.getMessage().contains("expected a string"), n.getMessage());

        // A JSON array stays an error for single labels.
        Path array = write("array.jsonl", "{\"text\": \"x\", \"label\": [\"a\"]}\n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new TextDataSource(array))
                .getMessage().contains("expected a string, number or boolean"));

        // A missing key is still a missing label, not an empty set.
        Path missing = write("missing.jsonl", "{\"text\": \"x\"}\n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new MultiLabelTextDataSource(missing))
                .getMessage().contains("missing label in column 'label'"));
    }

    @Test
    void regressionReadsNumbersAndNamedDimensions() throws IOException {
        Path tsv = write("scores.tsv", "text\tscore\n"
                + "low\t-1.5\n"
                + "high\t 1e3 \n"
                + "int\t3\n");
        RegressionTextDataSource source = TextDataSource.builder(tsv).labelColumn("score").buildRegression();
        List<Example<Regressor>> ex = list(source);
        assertArrayEquals(new String[]{Regressor.DEFAULT_NAME}, ex.get(0).getOutput().getNames());
        assertArrayEquals(new double[]{-1.5}, ex.get(0).getOutput().getValues());
        assertArrayEquals(new double[]{1000.0}, ex.get(1).getOutput().getValues());
        assertArrayEquals(new double[]{3.0}, ex.get(2).getOutput().getValues());
        MutableDataset<Regressor> dataset = new MutableDataset<>(source);
        assertEquals(1, dataset.getOutputInfo().size());

        RegressionTextDataSource named = TextDataSource.builder(tsv).labelColumn("score").dimensionName("size").buildRegression();
        assertArrayEquals(new String[]{"size"}, list(named).get(0).getOutput().getNames());
        assertEquals("size", named.getDimensionName());

        Path multi = write("multi.jsonl", "{\"text\": \"a\", \"label\": \"valence=0.25, arousal=-2\"}\n"
                + "{\"text\": \"b\", \"label\": \"arousal=1,valence=0\"}\n");
        List<Example<Regressor>> m = list(new RegressionTextDataSource(multi));
        // Regressor sorts its dimensions by name.
        assertArrayEquals(new String[]{"arousal", "valence"}, m.get(0).getOutput().getNames());
        assertArrayEquals(new double[]{-2.0, 0.25}, m.get(0).getOutput().getValues());
        assertArrayEquals(new double[]{1.0, 0.0}, m.get(1).getOutput().getValues());

        Path jsonNumber = write("number.jsonl", "{\"text\": \"a\", \"label\": 0.125}\n");
        assertArrayEquals(new double[]{0.125}, list(new RegressionTextDataSource(jsonNumber)).get(0).getOutput().getValues());
    }

    @Test
    void regressionErrorsNameTheLine() throws IOException {
        for (String bad : new String[]{"abc", "NaN", "Infinity", "0x10", "1d", "1e400"}) {
            Path csv = write("bad.csv", "text,label\nfine,1\nbad," + bad + "\n");
            TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new RegressionTextDataSource(csv), bad);
            assertEquals(3, e.getLine(), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        Path empty = write("empty.csv", "text,label\nbad, \n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new RegressionTextDataSource(empty))
                .getMessage().contains("missing target in column 'label'"));

        Path mixed = write("mixed.csv", "text,label\na,\"x=1,y=2\"\nb,\"x=1,y=2\"\nc,\"x=1\"\n");
        TextDataFormatException m = assertThrows(TextDataFormatException.class, () -> new RegressionTextDataSource(mixed));
        assertEquals(4, m.getLine());
        assertTrue(m.getMessage().contains("dimensions [x] differ from the first row's [x, y]"), m.getMessage());

        Path twice = write("twice.csv", "text,label\na,\"x=1,x=2\"\n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new RegressionTextDataSource(twice))
                .getMessage().contains("dimension 'x' is given twice"));

        Path ok = write("ok.csv", "text,label\na,1\n");
        assertEquals("dimensionName", assertThrows(PropertyException.class,
                () -> TextDataSource.builder(ok).dimensionName(" ").buildRegression()).getProperty());
    }

    @Test
    void olcutConfiguresBothSourcesWithInheritedSettings() throws IOException {
        Path tags = write("tags.tsv", "id\tbody\ttags\n1\tfirst text\ta,b\n2\tsecond text\tb\n");
        Path scores = write("scores.csv", "body,y\nfirst,0.5\nsecond,1.5\n");
        Path xml = write("sources.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config>\n"
                + "  <component name=\"tags\" type=\"ai.loradrop.tribuo.data.MultiLabelTextDataSource\">\n"
                + "    <property name=\"path\" value=\"" + tags + "\"/>\n"
                + "    <property name=\"textColumn\" value=\"body\"/>\n"
                + "    <property name=\"labelColumn\" value=\"tags\"/>\n"
                + "    <property name=\"idColumn\" value=\"id\"/>\n"
                + "  </component>\n"
                + "  <component name=\"scores\" type=\"ai.loradrop.tribuo.data.RegressionTextDataSource\">\n"
                + "    <property name=\"path\" value=\"" + scores + "\"/>\n"
                + "    <property name=\"textColumn\" value=\"body\"/>\n"
                + "    <property name=\"labelColumn\" value=\"y\"/>\n"
                + "    <property name=\"dimensionName\" value=\"score\"/>\n"
                + "  </component>\n</config>\n");
        try (ConfigurationManager cm = new ConfigurationManager(xml.toString())) {
            MultiLabelTextDataSource t = (MultiLabelTextDataSource) cm.lookup("tags");
            List<Example<MultiLabel>> te = list(t);
            assertEquals(Set.of("a", "b"), names(te.get(0).getOutput()));
            assertEquals("2", te.get(1).getMetadataValue("id").orElseThrow());
            assertEquals("second text", TextExamples.requireText(te.get(1), "text", 1));

            RegressionTextDataSource s = (RegressionTextDataSource) cm.lookup("scores");
            List<Example<Regressor>> se = list(s);
            assertArrayEquals(new String[]{"score"}, se.get(1).getOutput().getNames());
            assertArrayEquals(new double[]{1.5}, se.get(1).getOutput().getValues());
            assertEquals("score", ((com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance)
                    s.getProvenance().getConfiguredParameters().get("dimensionName")).getValue());
        }
    }

    @Test
    void datasetsOfBothTypesSurviveSerialization() throws Exception {
        Path tags = write("tags.csv", "text,label\n\"one, two\",\"x,y\"\nthree,\n");
        MutableDataset<MultiLabel> ml = new MutableDataset<>(new MultiLabelTextDataSource(tags));
        Dataset<?> mlBack = Dataset.deserialize(DatasetProto.parseFrom(ml.serialize().toByteArray()));
        assertEquals(Set.of("x", "y"), names((MultiLabel) mlBack.getExample(0).getOutput()));
        assertEquals(Set.of(), names((MultiLabel) mlBack.getExample(1).getOutput()));
        assertEquals("one, two", TextExamples.requireText(mlBack.getExample(0), "text", 0));
        assertEquals(ml.getProvenance(), mlBack.getProvenance());

        Path scores = write("scores.csv", "text,label\na,0.5\nb,-2\n");
        MutableDataset<Regressor> reg = new MutableDataset<>(new RegressionTextDataSource(scores));
        // Tribuo 4.3.2 cannot read back the protobuf of any regression dataset (DatasetDataCarrier compares the
        // class of the regression info's domain elements with Regressor), so regression datasets go through Java
        // serialization; regression models' protobufs are not affected.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(reg);
        }
        Dataset<?> regBack;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            regBack = (Dataset<?>) in.readObject();
        }
        assertArrayEquals(new double[]{-2.0}, ((Regressor) regBack.getExample(1).getOutput()).getValues());
        assertEquals(reg.getProvenance(), regBack.getProvenance());
    }

    @Test
    void shippedMultiLabelAndRegressionSetsLoad() {
        MultiLabelTextDataSource tags = TextDataSource.builder(DATA.resolve("debian-debtags/train.jsonl")).idColumn("id")
                .buildMultiLabel();
        MutableDataset<MultiLabel> tagged = new MutableDataset<>(tags);
        assertEquals(2500, tagged.size());
        Set<String> domain = new TreeSet<>();
        tagged.getOutputInfo().getDomain().forEach(l -> domain.addAll(l.getNameSet()));
        assertEquals(20, domain.size());
        long labels = 0;
        for (Example<MultiLabel> ex : tagged) {
            labels += ex.getOutput().getLabelSet().size();
            assertTrue(ex.getOutput().getLabelSet().size() >= 1);
        }
        assertEquals(1.57, labels / 2500.0, 0.005);

        for (String split : new String[]{"train", "dev", "test"}) {
            RegressionTextDataSource depth = TextDataSource.builder(DATA.resolve("wordnet-depth/" + split + ".jsonl"))
                    .labelColumn("depth").idColumn("id").buildRegression();
            double sum = 0;
            for (Example<Regressor> ex : depth) {
                sum += ex.getOutput().getValues()[0];
            }
            assertEquals(split.equals("train") ? 3000 : split.equals("dev") ? 500 : 1000, depth.size());
            assertEquals(split.equals("test") ? 7.98 : split.equals("dev") ? 7.89 : 7.88, sum / depth.size(), 0.005, split);
        }
    }

    @Test
    void classificationStillRejectsEmptyLabels() throws IOException {
        Path csv = write("cls.csv", "text,label\na, \n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new TextDataSource(csv))
                .getMessage().contains("row 1: missing label in column 'label'"));
        List<Example<Label>> ok = list(new TextDataSource(write("ok.csv", "text,label\na, b \n")));
        assertEquals("b", ok.get(0).getOutput().getLabel());
    }
}
