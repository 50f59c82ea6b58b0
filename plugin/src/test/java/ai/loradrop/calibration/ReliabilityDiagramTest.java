/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReliabilityDiagramTest {

    private static final CalibrationReport REPORT =
            CalibrationMetrics.compute(CalibrationMetricsTest.PROBS, CalibrationMetricsTest.LABELS, 5);
    private static final CalibrationReport SHARPER = CalibrationMetrics.compute(new double[][]{
            {0.9, 0.05, 0.05}, {0.2, 0.7, 0.1}, {0.05, 0.05, 0.9}, {0.1, 0.6, 0.3}, {1.0, 0.0, 0.0}},
            CalibrationMetricsTest.LABELS, 5);

    @Test
    void pngIsWrittenAndReadableWithTheRequestedSize(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("reliability.png");
        ReliabilityDiagram.of("dev", "model", REPORT).withSize(500, 400).writePng(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "ImageIO could not decode the file");
        assertEquals(500, image.getWidth());
        assertEquals(400, image.getHeight());
        // Accuracy bars exist in bins 3 and 4 and counts in bins 2 to 4: plenty of bar-blue pixels, no orange ones.
        assertTrue(countPixels(image, true) > 2000, "blue pixels: " + countPixels(image, true));
        assertEquals(0, countPixels(image, false));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList(), "temporary file left behind");
        }
    }

    @Test
    void comparisonDrawsBothSeriesAndReplacesAnExistingFile(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("compare.png");
        Files.writeString(png, "old content");
        ReliabilityDiagram diagram = ReliabilityDiagram.compare("dev", "deterministic", REPORT, "ensemble", SHARPER);
        diagram.writePng(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(ReliabilityDiagram.DEFAULT_WIDTH, image.getWidth());
        assertEquals(ReliabilityDiagram.DEFAULT_HEIGHT, image.getHeight());
        assertTrue(countPixels(image, true) > 1000);
        assertTrue(countPixels(image, false) > 1000, "orange pixels: " + countPixels(image, false));
        assertEquals("dev (ECE deterministic 0.3200, ensemble " + String.format(java.util.Locale.ROOT, "%.4f",
                SHARPER.ece()) + ")", diagram.displayTitle());
    }

    @Test
    void svgIsWellFormedXmlWithTheEceInItsTitle(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("reliability.svg");
        ReliabilityDiagram.of("dev <fold 1> & \"more\"", "model", REPORT).writeSvg(svg);
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document doc = factory.newDocumentBuilder().parse(svg.toFile());
        Element root = doc.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        assertEquals("720", root.getAttribute("width"));
        assertEquals("dev <fold 1> & \"more\" (ECE 0.3200)",
                doc.getElementsByTagNameNS("*", "title").item(0).getTextContent());
        // Two non-empty bins have accuracy > 0 (bins 3, 4): each draws a bar fill + outline + gap = 3 rects.
        int rects = doc.getElementsByTagNameNS("*", "rect").getLength();
        assertTrue(rects >= 3 * 3, "rects: " + rects);
        boolean titleDrawn = false;
        var texts = doc.getElementsByTagNameNS("*", "text");
        for (int i = 0; i < texts.getLength(); i++) {
            titleDrawn |= texts.item(i).getTextContent().equals("dev <fold 1> & \"more\" (ECE 0.3200)");
        }
        assertTrue(titleDrawn, "title with ECE not drawn");
    }

    @Test
    void unwritablePathsFailWithThePathAndLeaveNoFile(@TempDir Path dir) throws IOException {
        ReliabilityDiagram diagram = ReliabilityDiagram.of("dev", "model", REPORT);

        // Parent is a regular file.
        Path notAFolder = dir.resolve("plain.txt");
        Files.writeString(notAFolder, "x");
        Path underFile = notAFolder.resolve("diagram.png");
        IOException e = assertThrows(IOException.class, () -> diagram.writePng(underFile));
        assertTrue(e.getMessage().contains(underFile.toString()), e.getMessage());

        // Missing folder: not created.
        Path missing = dir.resolve("missing").resolve("diagram.svg");
        e = assertThrows(IOException.class, () -> diagram.writeSvg(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertFalse(Files.exists(missing.getParent()));

        // Target is a non-empty folder: the content is written, then the move fails; the temp file must go.
        Path folderTarget = dir.resolve("diagram.png");
        Files.createDirectory(folderTarget);
        Files.writeString(folderTarget.resolve("keep.txt"), "x");
        e = assertThrows(IOException.class, () -> diagram.writePng(folderTarget));
        assertTrue(e.getMessage().contains(folderTarget.toString()), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("diagram.png", "plain.txt"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void invalidDiagramsAreRejected() {
        CalibrationReport fifteenBins = CalibrationMetrics.compute(CalibrationMetricsTest.PROBS,
                CalibrationMetricsTest.LABELS);
        assertThrows(IllegalArgumentException.class,
                () -> ReliabilityDiagram.compare("dev", "a", REPORT, "b", fifteenBins));
        assertThrows(IllegalArgumentException.class,
                () -> ReliabilityDiagram.of("dev", "model", REPORT).withSize(100, 100));
    }

    /** Counts pixels clearly of the first series' blue (true) or the second series' orange (false). */
    private static int countPixels(BufferedImage image, boolean blue) {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int b = rgb & 0xff;
                if (blue ? b > r + 80 : r > b + 150) {
                    count++;
                }
            }
        }
        return count;
    }
}
