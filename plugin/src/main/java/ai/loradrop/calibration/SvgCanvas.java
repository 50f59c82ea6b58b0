/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.awt.Color;
import java.util.Locale;

/**
 * A {@link DiagramCanvas} writing SVG 1.1 elements as text. Call {@link #finish()} once to get the document.
 */
final class SvgCanvas implements DiagramCanvas {
    private final StringBuilder svg = new StringBuilder();

    /**
     * Starts a document of the given size.
     *
     * @param width  width in pixels.
     * @param height height in pixels.
     * @param title  the document title, for viewers and screen readers.
     */
    SvgCanvas(int width, int height, String title) {
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
        svg.append("<title>").append(escape(title)).append("</title>\n");
    }

    @Override
    public void fillRect(double x, double y, double width, double height, Color color, double opacity) {
        svg.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"")
                .append(num(width)).append("\" height=\"").append(num(height)).append("\" fill=\"")
                .append(hex(color)).append('"');
        if (opacity < 1) {
            svg.append(" fill-opacity=\"").append(num(opacity)).append('"');
        }
        svg.append("/>\n");
    }

    @Override
    public void strokeRect(double x, double y, double width, double height, Color color) {
        svg.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"")
                .append(num(width)).append("\" height=\"").append(num(height))
                .append("\" fill=\"none\" stroke=\"").append(hex(color)).append("\" stroke-width=\"1\"/>\n");
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, Color color, double width, boolean dashed) {
        svg.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"")
                .append(num(x2)).append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(hex(color))
                .append("\" stroke-width=\"").append(num(width)).append('"');
        if (dashed) {
            svg.append(" stroke-dasharray=\"6,4\"");
        }
        svg.append("/>\n");
    }

    @Override
    public void text(double x, double y, String text, double size, Anchor anchor, boolean bold, boolean vertical) {
        svg.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"")
                .append(num(size)).append('"');
        if (anchor != Anchor.START) {
            svg.append(" text-anchor=\"").append(anchor == Anchor.MIDDLE ? "middle" : "end").append('"');
        }
        if (bold) {
            svg.append(" font-weight=\"bold\"");
        }
        if (vertical) {
            svg.append(" transform=\"rotate(-90 ").append(num(x)).append(' ').append(num(y)).append(")\"");
        }
        svg.append('>').append(escape(text)).append("</text>\n");
    }

    /**
     * Closes the document.
     *
     * @return the SVG text.
     */
    String finish() {
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String num(double v) {
        // Fixed locale: a decimal comma would corrupt the attribute values.
        String s = String.format(Locale.ROOT, "%.2f", v);
        if (s.endsWith(".00")) {
            s = s.substring(0, s.length() - 3);
        }
        return s.equals("-0") ? "0" : s;
    }

    private static String hex(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    /**
     * Escapes text for use in XML character data and attribute values, dropping characters XML 1.0 forbids.
     *
     * @param text the raw text.
     * @return the escaped text.
     */
    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (ch >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r') {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.toString();
    }
}
