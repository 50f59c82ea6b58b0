/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.awt.Color;

/**
 * The few drawing operations a {@link ReliabilityDiagram} needs, so that one layout serves both the PNG and the
 * SVG output. Coordinates are in pixels, origin top-left, y growing downwards.
 */
interface DiagramCanvas {

    /** Horizontal alignment of a text relative to its anchor point. */
    enum Anchor {
        /** The text starts at the anchor. */
        START,
        /** The text is centred on the anchor. */
        MIDDLE,
        /** The text ends at the anchor. */
        END
    }

    /**
     * Fills a rectangle.
     *
     * @param x       left edge.
     * @param y       top edge.
     * @param width   width, non-negative.
     * @param height  height, non-negative.
     * @param color   fill colour.
     * @param opacity fill opacity in [0, 1].
     */
    void fillRect(double x, double y, double width, double height, Color color, double opacity);

    /**
     * Outlines a rectangle with a one-pixel line.
     *
     * @param x      left edge.
     * @param y      top edge.
     * @param width  width.
     * @param height height.
     * @param color  line colour.
     */
    void strokeRect(double x, double y, double width, double height, Color color);

    /**
     * Draws a straight line.
     *
     * @param x1     start x.
     * @param y1     start y.
     * @param x2     end x.
     * @param y2     end y.
     * @param color  line colour.
     * @param width  line width.
     * @param dashed whether to dash the line.
     */
    void line(double x1, double y1, double x2, double y2, Color color, double width, boolean dashed);

    /**
     * Draws one line of text with its baseline at {@code y}.
     *
     * @param x        anchor x.
     * @param y        baseline y.
     * @param text     the text.
     * @param size     font size in pixels.
     * @param anchor   horizontal alignment relative to {@code x}.
     * @param bold     whether to use a bold face.
     * @param vertical whether to rotate the text by −90° around the anchor (reading bottom to top).
     */
    void text(double x, double y, String text, double size, Anchor anchor, boolean bold, boolean vertical);

    /**
     * A conservative estimate of the width of a text, used for layout decisions so that the PNG and SVG
     * outputs make the same choices (SVG text cannot be measured when writing it).
     *
     * @param text the text.
     * @param size the font size in pixels.
     * @return the estimated width in pixels.
     */
    static double estimateWidth(String text, double size) {
        return 0.6 * size * text.length();
    }
}
