/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import ai.loradrop.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * A reliability diagram of one model, or of two compared side by side (e.g. deterministic vs ensemble).
 * <p>
 * The upper panel shows, for each confidence bin, a bar up to the bin's accuracy, the gap between accuracy and
 * mean confidence shaded in red, and the diagonal of perfect calibration; empty bins have no bar. The lower
 * panel shows the number of examples per bin. The title carries the ECE of every series.
 * <p>
 * Rendering uses only off-screen images, so it works on headless machines: if {@code java.awt.headless} is
 * not set when this class is loaded, it is set to {@code true}. Files are written atomically (a temporary file
 * in the same folder, then a move), so a failure never leaves a half-written diagram. Immutable.
 */
public final class ReliabilityDiagram {
    private static final Logger logger = Logger.getLogger(ReliabilityDiagram.class.getName());

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** The default image width in pixels. */
    public static final int DEFAULT_WIDTH = 720;

    /** The default image height in pixels. */
    public static final int DEFAULT_HEIGHT = 640;

    /** The smallest width or height accepted, below which the layout does not fit. */
    public static final int MIN_SIZE = 240;

    private static final Color[] SERIES_COLORS = {new Color(0x1f77b4), new Color(0xff7f0e)};
    private static final Color GAP_COLOR = new Color(0xd62728);
    private static final Color GRID_COLOR = new Color(0xdddddd);
    private static final Color AXIS_COLOR = new Color(0x444444);
    private static final Color DIAGONAL_COLOR = new Color(0x777777);

    private record Series(String name, CalibrationReport report) {
    }

    /**
     * What the two axes of the diagram show.
     *
     * @param x the horizontal axis: what the bins are of.
     * @param y the vertical axis: what the bars measure.
     */
    public record Axes(String x, String y) {
        /** Top-label confidence against accuracy, for class probabilities ({@link CalibrationMetrics}). */
        public static final Axes CONFIDENCE = new Axes("confidence", "accuracy");

        /**
         * Predicted probability against the observed frequency of positives, for binary and multi-label
         * probabilities ({@link MultiLabelCalibration}).
         */
        public static final Axes PROBABILITY = new Axes("predicted probability", "observed frequency");

        /**
         * Checks the names.
         *
         * @param x the horizontal axis name.
         * @param y the vertical axis name.
         */
        public Axes {
            Objects.requireNonNull(x, "x");
            Objects.requireNonNull(y, "y");
        }
    }

    private final String title;
    private final List<Series> series;
    private final int width;
    private final int height;
    private final Axes axes;

    private ReliabilityDiagram(String title, List<Series> series, int width, int height) {
        this(title, series, width, height, Axes.CONFIDENCE);
    }

    private ReliabilityDiagram(String title, List<Series> series, int width, int height, Axes axes) {
        this.axes = Objects.requireNonNull(axes, "axes");
        this.title = Objects.requireNonNull(title, "title");
        this.series = List.copyOf(series);
        if (width < MIN_SIZE || height < MIN_SIZE) {
            throw new IllegalArgumentException("Diagram size " + width + "x" + height + " is below the minimum "
                    + MIN_SIZE + "x" + MIN_SIZE);
        }
        this.width = width;
        this.height = height;
    }

    /**
     * Creates the diagram of a single model.
     *
     * @param title      the diagram title; the ECE is appended.
     * @param seriesName the model's name in the legend.
     * @param report     the model's calibration report.
     * @return the diagram, of the default size.
     */
    public static ReliabilityDiagram of(String title, String seriesName, CalibrationReport report) {
        return new ReliabilityDiagram(title, List.of(new Series(Objects.requireNonNull(seriesName, "seriesName"),
                Objects.requireNonNull(report, "report"))), DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * Creates a diagram comparing two models, whose bars share each bin; both reports must use the same bins.
     *
     * @param title      the diagram title; both ECEs are appended.
     * @param firstName  the first model's name in the legend.
     * @param first      the first model's calibration report.
     * @param secondName the second model's name in the legend.
     * @param second     the second model's calibration report.
     * @return the diagram, of the default size.
     */
    public static ReliabilityDiagram compare(String title, String firstName, CalibrationReport first,
                                             String secondName, CalibrationReport second) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        if (first.numBins() != second.numBins()) {
            throw new IllegalArgumentException("Cannot compare reports with different bins: " + firstName + " has "
                    + first.numBins() + ", " + secondName + " has " + second.numBins());
        }
        return new ReliabilityDiagram(title, List.of(new Series(Objects.requireNonNull(firstName, "firstName"), first),
                new Series(Objects.requireNonNull(secondName, "secondName"), second)), DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * Returns a copy of this diagram with another size.
     *
     * @param newWidth  the width in pixels, at least {@value #MIN_SIZE}.
     * @param newHeight the height in pixels, at least {@value #MIN_SIZE}.
     * @return the resized diagram.
     */
    public ReliabilityDiagram withSize(int newWidth, int newHeight) {
        return new ReliabilityDiagram(title, series, newWidth, newHeight, axes);
    }

    /**
     * Returns a copy of this diagram with other axis names (by default {@link Axes#CONFIDENCE}).
     *
     * @param newAxes the axis names.
     * @return the diagram with those axes.
     */
    public ReliabilityDiagram withAxes(Axes newAxes) {
        return new ReliabilityDiagram(title, series, width, height, newAxes);
    }

    /**
     * Returns the axis names.
     *
     * @return the axes.
     */
    public Axes axes() {
        return axes;
    }

    /**
     * Returns the title as given, without the ECE.
     *
     * @return the title.
     */
    public String title() {
        return title;
    }

    /**
     * Returns the full title drawn on the diagram, with the ECE of every series, e.g.
     * {@code "dev (ECE 0.0412)"} or {@code "dev (ECE deterministic 0.0412, ensemble 0.0301)"}.
     *
     * @return the displayed title.
     */
    public String displayTitle() {
        StringBuilder sb = new StringBuilder(title).append(" (ECE ");
        if (series.size() == 1) {
            sb.append(format4(series.get(0).report().ece()));
        } else {
            for (int s = 0; s < series.size(); s++) {
                sb.append(s > 0 ? ", " : "").append(series.get(s).name()).append(' ')
                        .append(format4(series.get(s).report().ece()));
            }
        }
        return sb.append(')').toString();
    }

    /**
     * Returns the width in pixels.
     *
     * @return the width.
     */
    public int width() {
        return width;
    }

    /**
     * Returns the height in pixels.
     *
     * @return the height.
     */
    public int height() {
        return height;
    }

    /**
     * Returns the series names in legend order.
     *
     * @return an unmodifiable list of one or two names.
     */
    public List<String> seriesNames() {
        List<String> names = new ArrayList<>(series.size());
        for (Series s : series) {
            names.add(s.name());
        }
        return List.copyOf(names);
    }

    /**
     * Renders the diagram to a new RGB image of {@link #width()} × {@link #height()} pixels.
     *
     * @return the image.
     */
    public BufferedImage toImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(new PngCanvas(g));
        } finally {
            g.dispose();
        }
        return image;
    }

    /**
     * Renders the diagram as a standalone SVG 1.1 document.
     *
     * @return the SVG text.
     */
    public String toSvg() {
        SvgCanvas canvas = new SvgCanvas(width, height, displayTitle());
        draw(canvas);
        return canvas.finish();
    }

    /**
     * Writes the diagram as a PNG image, atomically. The folder must exist; an existing file is replaced.
     *
     * @param path the file to write.
     * @throws IOException naming the path if the file cannot be written; no partial file is left.
     */
    public void writePng(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        BufferedImage image = toImage();
        AtomicFiles.write(path, "reliability diagram PNG", out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available in this JRE");
            }
        });
        logger.fine(() -> "Wrote reliability diagram PNG " + path);
    }

    /**
     * Writes the diagram as an SVG document in UTF-8, atomically. The folder must exist; an existing file is
     * replaced.
     *
     * @param path the file to write.
     * @throws IOException naming the path if the file cannot be written; no partial file is left.
     */
    public void writeSvg(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        byte[] bytes = toSvg().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(path, "reliability diagram SVG", out -> out.write(bytes));
        logger.fine(() -> "Wrote reliability diagram SVG " + path);
    }

    @Override
    public String toString() {
        return "ReliabilityDiagram(" + displayTitle() + ", " + width + "x" + height + ")";
    }

    /**
     * Lays out and draws the whole diagram; shared by the PNG and SVG outputs.
     */
    private void draw(DiagramCanvas c) {
        final double left = 64;
        final double right = width - 20;
        final double top = 48;
        final double bottom = height - 48;
        final double panelGap = 14;
        final double mainHeight = 0.75 * (bottom - top - panelGap);
        final double mainBottom = top + mainHeight;
        final double countsTop = mainBottom + panelGap;
        final double countsHeight = bottom - countsTop;
        final double plotWidth = right - left;

        c.fillRect(0, 0, width, height, Color.WHITE, 1);
        // Long titles (file names plus two ECEs) shrink to fit the width instead of being clipped.
        double titleSize = 16;
        while (titleSize > 9 && DiagramCanvas.estimateWidth(displayTitle(), titleSize) > width - 20) {
            titleSize -= 1;
        }
        c.text(width / 2.0, 28, displayTitle(), titleSize, DiagramCanvas.Anchor.MIDDLE, true, false);

        // Grid, ticks and tick labels shared by both panels.
        for (int t = 0; t <= 5; t++) {
            double v = t / 5.0;
            double x = left + v * plotWidth;
            double y = mainBottom - v * mainHeight;
            c.line(x, top, x, mainBottom, GRID_COLOR, 1, false);
            c.line(x, countsTop, x, bottom, GRID_COLOR, 1, false);
            c.line(left, y, right, y, GRID_COLOR, 1, false);
            c.text(left - 6, y + 4, format1(v), 11, DiagramCanvas.Anchor.END, false, false);
            c.text(x, bottom + 16, format1(v), 11, DiagramCanvas.Anchor.MIDDLE, false, false);
        }
        c.text(18, top + mainHeight / 2, axes.y(), 12, DiagramCanvas.Anchor.MIDDLE, false, true);
        c.text(18, countsTop + countsHeight / 2, "count", 12, DiagramCanvas.Anchor.MIDDLE, false, true);
        c.text(left + plotWidth / 2, height - 12, axes.x(), 12, DiagramCanvas.Anchor.MIDDLE, false, false);

        int numBins = series.get(0).report().numBins();
        int maxCount = 1;
        for (Series s : series) {
            for (ReliabilityTable.Bin bin : s.report().reliability().bins()) {
                maxCount = Math.max(maxCount, bin.count());
            }
        }
        double countsBarSpace = countsHeight - 14; // room for the count labels above the tallest bar
        for (int b = 0; b < numBins; b++) {
            for (int s = 0; s < series.size(); s++) {
                ReliabilityTable.Bin bin = series.get(s).report().reliability().bin(b);
                double binLeft = left + bin.lower() * plotWidth;
                double slot = (bin.upper() - bin.lower()) * plotWidth / series.size();
                double x = binLeft + s * slot + 1;
                double w = Math.max(slot - 2, 1);
                Color color = SERIES_COLORS[s];
                if (!bin.isEmpty()) {
                    double accTop = mainBottom - bin.accuracy() * mainHeight;
                    c.fillRect(x, accTop, w, mainBottom - accTop, color, 0.85);
                    c.strokeRect(x, accTop, w, mainBottom - accTop, color.darker());
                    double gapTop = mainBottom - Math.max(bin.accuracy(), bin.meanConfidence()) * mainHeight;
                    double gapHeight = Math.abs(bin.gap()) * mainHeight;
                    c.fillRect(x, gapTop, w, gapHeight, GAP_COLOR, 0.35);
                }
                if (bin.count() > 0) {
                    double barHeight = countsBarSpace * bin.count() / maxCount;
                    c.fillRect(x, bottom - barHeight, w, barHeight, color, 0.85);
                    String label = Integer.toString(bin.count());
                    if (DiagramCanvas.estimateWidth(label, 9) <= slot) {
                        c.text(x + w / 2, bottom - barHeight - 3, label, 9, DiagramCanvas.Anchor.MIDDLE, false,
                                false);
                    }
                }
            }
        }
        c.line(left, mainBottom, right, top, DIAGONAL_COLOR, 1.5, true);
        c.strokeRect(left, top, plotWidth, mainHeight, AXIS_COLOR);
        c.strokeRect(left, countsTop, plotWidth, countsHeight, AXIS_COLOR);
        c.text(left - 6, countsTop + 10, Integer.toString(maxCount), 10, DiagramCanvas.Anchor.END, false, false);
        drawLegend(c, left + 10, top + 10);
    }

    private void drawLegend(DiagramCanvas c, double x, double y) {
        List<String> entries = new ArrayList<>();
        for (Series s : series) {
            entries.add(String.format(Locale.ROOT, "%s (ECE %s, n=%d)", s.name(), format4(s.report().ece()),
                    s.report().examples()));
        }
        entries.add("gap: " + axes.y() + " vs " + axes.x());
        entries.add("perfect calibration");
        double textWidth = 0;
        for (String e : entries) {
            textWidth = Math.max(textWidth, DiagramCanvas.estimateWidth(e, 11));
        }
        double rowHeight = 17;
        c.fillRect(x, y, textWidth + 34, rowHeight * entries.size() + 8, Color.WHITE, 0.85);
        c.strokeRect(x, y, textWidth + 34, rowHeight * entries.size() + 8, GRID_COLOR);
        for (int i = 0; i < entries.size(); i++) {
            double rowTop = y + 6 + i * rowHeight;
            if (i < series.size()) {
                c.fillRect(x + 8, rowTop, 14, 11, SERIES_COLORS[i], 0.85);
            } else if (i == series.size()) {
                c.fillRect(x + 8, rowTop, 14, 11, GAP_COLOR, 0.35);
            } else {
                c.line(x + 6, rowTop + 6, x + 24, rowTop + 6, DIAGONAL_COLOR, 1.5, true);
            }
            c.text(x + 28, rowTop + 10, entries.get(i), 11, DiagramCanvas.Anchor.START, false, false);
        }
    }

    private static String format1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String format4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
