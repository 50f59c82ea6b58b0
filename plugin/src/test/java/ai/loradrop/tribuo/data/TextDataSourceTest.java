/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextDataSourceTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static List<Example<Label>> list(TextDataSource source) {
        List<Example<Label>> out = new ArrayList<>();
        source.forEach(out::add);
        return out;
    }

    private static String text(Example<Label> ex) {
        return TextExamples.text(ex, "text").orElseThrow();
    }

    @Test
    void csvQuotesCommasAndNewlinesSurvive() throws IOException {
        Path csv = write("quoted.csv", "id,label,text\r\n"
                + "1,pos,\"Hello, world\"\r\n"
                + "2,neg,\"She said \"\"no\"\".\"\r\n"
                + "3,pos,\"line one\nline two\r\nline three\"\r\n"
                + "4, neg ,plain text with 'single' quotes\r\n"
                + "5,pos,\"\"\"quoted start\"\n");
        TextDataSource source = new TextDataSource(csv);
        assertEquals(TextDataSource.Format.CSV, source.getResolvedFormat());
        List<Example<Label>> ex = list(source);
        assertEquals(5, ex.size());
        assertEquals("Hello, world", text(ex.get(0)));
        assertEquals("She said \"no\".", text(ex.get(1)));
        assertEquals("line one\nline two\r\nline three", text(ex.get(2)));
        assertEquals("plain text with 'single' quotes", text(ex.get(3)));
        assertEquals("\"quoted start", text(ex.get(4)));
        assertEquals(List.of("pos", "neg", "pos", "neg", "pos"),
                ex.stream().map(e -> e.getOutput().getLabel()).toList());
        // No id column configured: no id metadata.
        assertFalse(ex.get(0).containsMetadata("id"));
        assertEquals(1, ex.get(0).size());
    }

    @Test
    void csvWeightsIdsAndPairs() throws IOException {
        Path csv = write("pairs.csv", "uid,premise,hypothesis,gold,w\n"
                + "a1,A man sleeps.,A person rests.,entailment,0.5\n"
                + "a2,A man sleeps.,\"A man runs, fast.\",contradiction,2\n");
        TextDataSource source = TextDataSource.builder(csv)
                .textColumn("premise").pairColumn("hypothesis").labelColumn("gold")
                .weightColumn("w").idColumn("uid").build();
        List<Example<Label>> ex = list(source);
        assertEquals(2, ex.size());
        assertEquals("A man sleeps.", text(ex.get(1)));
        assertEquals("A man runs, fast.", ex.get(1).getMetadataValue("text_pair").orElseThrow());
        assertEquals("a2", ex.get(1).getMetadataValue("id").orElseThrow());
        assertEquals(0.5f, ex.get(0).getWeight());
        assertEquals(2.0f, ex.get(1).getWeight());
        assertEquals("contradiction", ex.get(1).getOutput().getLabel());
        assertEquals("text_pair", source.getPairKey().orElseThrow());
    }

    @Test
    void customMetadataKeys() throws IOException {
        Path csv = write("keys.csv", "text,text2,label\nfirst,second,x\n");
        TextDataSource source = TextDataSource.builder(csv).pairColumn("text2")
                .textKey("sentence1").pairKey("sentence2").build();
        Example<Label> ex = list(source).get(0);
        assertEquals("first", ex.getMetadataValue("sentence1").orElseThrow());
        assertEquals("second", ex.getMetadataValue("sentence2").orElseThrow());
        assertFalse(ex.containsMetadata("text"));
    }

    @Test
    void tsvWithoutQuotingTreatsQuotesAsText() throws IOException {
        Path tsv = write("plain.tsv", "label\ttext\nq\t\"Hello,\" she said\nr\tsecond, tab-free\n");
        List<Example<Label>> ex = list(new TextDataSource(tsv));
        assertEquals(2, ex.size());
        assertEquals("\"Hello,\" she said", text(ex.get(0)));
        assertEquals("second, tab-free", text(ex.get(1)));
        assertEquals("r", ex.get(1).getOutput().getLabel());
    }

    @Test
    void tsvWithQuotingAllowsTabsAndNewlines() throws IOException {
        Path tsv = write("quoted.tab", "label\ttext\nq\t\"a\tb\nc\"\n");
        TextDataSource source = TextDataSource.builder(tsv).tsvQuoting(true).build();
        assertEquals(TextDataSource.Format.TSV, source.getResolvedFormat());
        assertEquals("a\tb\nc", text(list(source).get(0)));
    }

    @Test
    void csvWithoutHeaderUsesPositionalColumns() throws IOException {
        Path csv = write("nohead.csv", "spam,buy now\nham,see you\n");
        TextDataSource source = TextDataSource.builder(csv).header(false).textColumn("1").labelColumn("0").build();
        List<Example<Label>> ex = list(source);
        assertEquals("see you", text(ex.get(1)));
        assertEquals("ham", ex.get(1).getOutput().getLabel());
    }

    @Test
    void jsonLinesWithPairsWeightsIdsAndBlankLines() throws IOException {
        Path jsonl = write("data.jsonl", "{\"id\": 17, \"text\": \"caf\\u00e9 \\\"au lait\\\"\", \"text_pair\": \"x\\ny\", \"label\": 1, \"w\": 0.75, \"extra\": [1,2]}\r\n"
                + "\n"
                + "   \n"
                + "{\"id\": \"b\", \"text\": \"\u65e5\u672c\u8a9e\", \"text_pair\": \"z\", \"label\": \"0\", \"w\": \"1.5\"}\n");
        TextDataSource source = TextDataSource.builder(jsonl).pairColumn("text_pair").weightColumn("w").idColumn("id").build();
        assertEquals(TextDataSource.Format.JSONL, source.getResolvedFormat());
        List<Example<Label>> ex = list(source);
        assertEquals(2, ex.size());
        assertEquals("caf\u00e9 \"au lait\"", text(ex.get(0)));
        assertEquals("x\ny", ex.get(0).getMetadataValue("text_pair").orElseThrow());
        assertEquals("17", ex.get(0).getMetadataValue("id").orElseThrow());
        assertEquals("1", ex.get(0).getOutput().getLabel());
        assertEquals(0.75f, ex.get(0).getWeight());
        assertEquals("\u65e5\u672c\u8a9e", text(ex.get(1)));
        assertEquals(1.5f, ex.get(1).getWeight());
    }

    @Test
    void jsonLinesMissingKeyListsKeysOnThatLine() throws IOException {
        Path jsonl = write("missing.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"sentence\": \"b\", \"label\": \"y\"}\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(jsonl));
        assertEquals(2, e.getLine());
        assertTrue(e.getMessage().contains("key 'text' (textColumn) is missing or null; keys on this line: [sentence, label]"), e.getMessage());
    }

    @Test
    void jsonLinesRejectsBrokenJsonAndNonObjects() throws IOException {
        Path broken = write("broken.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": }\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(broken));
        assertEquals(2, e.getLine());
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());

        Path array = write("array.jsonl", "[\"a\", \"x\"]\n");
        TextDataFormatException a = assertThrows(TextDataFormatException.class, () -> new TextDataSource(array));
        assertTrue(a.getMessage().contains("expected a JSON object, found array"), a.getMessage());

        Path dup = write("dup.jsonl", "{\"text\": \"a\", \"text\": \"b\", \"label\": \"x\"}\n");
        assertThrows(TextDataFormatException.class, () -> new TextDataSource(dup));
    }

    @Test
    void invalidUtf8NamesFileAndLine() throws IOException {
        byte[] head = "text,label\nfine,a\nalso fine,b\nbad ".getBytes(StandardCharsets.UTF_8);
        byte[] tail = " byte,c\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
        bytes[head.length + 1] = (byte) 0x28;
        System.arraycopy(tail, 0, bytes, head.length + 2, tail.length);
        Path csv = write("latin.csv", bytes);
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(csv));
        assertEquals(4, e.getLine());
        assertTrue(e.getMessage().startsWith(csv + ", line 4: invalid UTF-8 (0xC3) at byte 5 of the line"), e.getMessage());
    }

    @Test
    void truncatedUtf8AtEndOfFileIsAnError() throws IOException {
        byte[] ok = "text,label\n\u00e9t\u00e9,a\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[ok.length + 1];
        System.arraycopy(ok, 0, bytes, 0, ok.length);
        bytes[ok.length] = (byte) 0xE2; // first byte of a three-byte sequence
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(write("trunc.csv", bytes)));
        assertEquals(3, e.getLine());
    }

    @Test
    void byteOrderMarkIsDropped() throws IOException {
        Path csv = write("bom.csv", "\uFEFFtext,label\nhello,a\n");
        assertEquals("hello", text(list(new TextDataSource(csv)).get(0)));
    }

    @Test
    void emptyTextNamesLineAndRowAfterMultiLineField() throws IOException {
        // Row 2 spans physical lines 3-4, so the empty text of row 3 is on line 5.
        Path csv = write("empty.csv", "text,label\nok,a\n\"two\nlines\",b\n\"  \",c\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(csv));
        assertEquals(5, e.getLine());
        assertEquals(csv + ", line 5: row 3: empty or whitespace-only text in column 'text'", e.getMessage());

        Path empty = write("empty2.tsv", "text\tlabel\n\ta\n");
        assertEquals(2, assertThrows(TextDataFormatException.class, () -> new TextDataSource(empty)).getLine());
    }

    @Test
    void emptyPairIsAnError() throws IOException {
        Path csv = write("pair.csv", "text,text_pair,label\nfirst,,a\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class,
                () -> TextDataSource.builder(csv).pairColumn("text_pair").build());
        assertTrue(e.getMessage().endsWith("row 1: empty or whitespace-only pair text in column 'text_pair'"), e.getMessage());
    }

    @Test
    void missingLabelNamesRow() throws IOException {
        Path csv = write("nolabel.csv", "text,label\nfirst,a\nsecond, \nthird,c\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(csv));
        assertEquals(csv + ", line 3: row 2: missing label in column 'label'", e.getMessage());

        Path jsonl = write("nolabel.jsonl", "{\"text\": \"a\", \"label\": null}\n");
        TextDataFormatException j = assertThrows(TextDataFormatException.class, () -> new TextDataSource(jsonl));
        assertTrue(j.getMessage().endsWith("row 1: missing label in column 'label'"), j.getMessage());
    }

    @Test
    void missingColumnListsAvailableColumns() throws IOException {
        Path csv = write("cols.csv", "id,label,sentence\n1,a,hello\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(csv));
        assertEquals(csv + ", line 1: column 'text' (textColumn) not found; available columns: [id, label, sentence]", e.getMessage());

        TextDataFormatException w = assertThrows(TextDataFormatException.class,
                () -> TextDataSource.builder(csv).textColumn("sentence").weightColumn("weight").build());
        assertTrue(w.getMessage().contains("column 'weight' (weightColumn) not found"), w.getMessage());
    }

    @Test
    void badWeightsAreErrors() throws IOException {
        Path csv = write("w.csv", "text,label,w\na,x,1\nb,y,heavy\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class,
                () -> TextDataSource.builder(csv).weightColumn("w").build());
        assertEquals(csv + ", line 3: row 2: weight 'heavy' in column 'w' is not a number", e.getMessage());
        Path neg = write("neg.csv", "text,label,w\na,x,-0.5\n");
        assertThrows(TextDataFormatException.class, () -> TextDataSource.builder(neg).weightColumn("w").build());
    }

    @Test
    void malformedCsvIsReportedWithItsLine() throws IOException {
        Path open = write("open.csv", "text,label\nok,a\n\"never closed,b\nmore\n");
        TextDataFormatException e = assertThrows(TextDataFormatException.class, () -> new TextDataSource(open));
        assertEquals(3, e.getLine());
        assertTrue(e.getMessage().contains("never closed"), e.getMessage());

        Path junk = write("junk.csv", "text,label\n\"quoted\"junk,a\n");
        assertEquals(2, assertThrows(TextDataFormatException.class, () -> new TextDataSource(junk)).getLine());

        Path ragged = write("ragged.csv", "text,label\nok,a\nno label here\n");
        TextDataFormatException r = assertThrows(TextDataFormatException.class, () -> new TextDataSource(ragged));
        assertEquals(ragged + ", line 3: expected 2 fields [text, label] but found 1 (check the quoting)", r.getMessage());

        Path dupHeader = write("duphead.csv", "text,label,text\na,b,c\n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new TextDataSource(dupHeader))
                .getMessage().contains("duplicate column name 'text'"));

        Path headerOnly = write("headonly.csv", "text,label\n");
        assertTrue(assertThrows(TextDataFormatException.class, () -> new TextDataSource(headerOnly))
                .getMessage().endsWith("the file holds no data rows"));
    }

    @Test
    void configurationErrorsNameTheField() throws IOException {
        PropertyException missing = assertThrows(PropertyException.class, () -> new TextDataSource(dir.resolve("nope.csv")));
        assertEquals("path", missing.getProperty());
        assertTrue(missing.getMessage().contains("data file not found"), missing.getMessage());

        Path csv = write("ok.csv", "text,label\na,b\n");
        assertEquals("textColumn", assertThrows(PropertyException.class,
                () -> new TextDataSource(csv, " ", "label")).getProperty());
        assertEquals("labelColumn", assertThrows(PropertyException.class,
                () -> new TextDataSource(csv, "text", "")).getProperty());
        assertEquals("labelColumn", assertThrows(PropertyException.class,
                () -> new TextDataSource(csv, "text", "text")).getProperty());
        assertEquals("idColumn", assertThrows(PropertyException.class,
                () -> TextDataSource.builder(csv).idColumn("").build()).getProperty());
        assertEquals("pairKey", assertThrows(PropertyException.class,
                () -> TextDataSource.builder(csv).pairColumn("label").pairKey("text").build()).getProperty());
        assertEquals("path", assertThrows(PropertyException.class,
                () -> new TextDataSource(dir)).getProperty());

        Path txt = write("data.txt", "text,label\na,b\n");
        PropertyException fmt = assertThrows(PropertyException.class, () -> new TextDataSource(txt));
        assertEquals("format", fmt.getProperty());
        // An explicit format overrides the extension.
        assertEquals(1, TextDataSource.builder(txt).format(TextDataSource.Format.CSV).build().size());
    }

    @Test
    void iteratorReturnsIndependentCopies() throws IOException {
        TextDataSource source = new TextDataSource(write("copy.csv", "text,label\na,b\n"));
        Example<Label> first = source.iterator().next();
        first.setMetadataValue("extra", "added");
        first.setWeight(9f);
        Example<Label> again = source.iterator().next();
        assertFalse(again.containsMetadata("extra"));
        assertEquals(1f, again.getWeight());
        assertEquals(1, source.size());
    }
}
