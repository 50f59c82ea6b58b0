/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.calibration;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Composite;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.logging.Logger;

/**
 * A {@link DiagramCanvas} drawing on a {@link Graphics2D}, typically that of a {@link java.awt.image.BufferedImage}.
 * Needs no display; drawing text needs a font, and if the platform has none the text is left out (with a
 * warning) rather than failing the whole diagram.
 */
final class PngCanvas implements DiagramCanvas {
    private static final Logger logger = Logger.getLogger(PngCanvas.class.getName());
    private static final float[] DASH = {6f, 4f};

    private final Graphics2D g;
    private boolean textUnavailable;

    /**
     * Wraps a graphics context, switching on anti-aliasing.
     *
     * @param g the graphics context; the caller disposes it.
     */
    PngCanvas(Graphics2D g) {
        this.g = g;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    }

    @Override
    public void fillRect(double x, double y, double width, double height, Color color, double opacity) {
        Composite old = g.getComposite();
        g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) opacity));
        g.setColor(color);
        g.fill(new Rectangle2D.Double(x, y, width, height));
        g.setComposite(old);
    }

    @Override
    public void strokeRect(double x, double y, double width, double height, Color color) {
        g.setColor(color);
        g.setStroke(new BasicStroke(1f));
        g.draw(new Rectangle2D.Double(x, y, width, height));
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, Color color, double width, boolean dashed) {
        g.setColor(color);
        g.setStroke(dashed
                ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, DASH, 0f)
                : new BasicStroke((float) width));
        g.draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void text(double x, double y, String text, double size, Anchor anchor, boolean bold, boolean vertical) {
        if (textUnavailable) {
            return;
        }
        try {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) size));
            double width = g.getFontMetrics().getStringBounds(text, g).getWidth();
            double shift = switch (anchor) {
                case START -> 0;
                case MIDDLE -> -width / 2;
                case END -> -width;
            };
            AffineTransform old = g.getTransform();
            g.translate(x, y);
            if (vertical) {
                g.rotate(-Math.PI / 2);
            }
            g.drawString(text, (float) shift, 0f);
            g.setTransform(old);
        } catch (RuntimeException | InternalError e) {
            // Headless JREs without fontconfig or fonts fail here; a diagram without labels beats no diagram.
            textUnavailable = true;
            logger.warning("No usable font for the reliability diagram PNG, writing it without text: " + e);
        }
    }
}
