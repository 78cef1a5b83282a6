package org.lomospark.pipeline.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The loss curve of a run as a PNG, drawn from its {@code metrics.jsonl} (one {@code {"step":..,"loss":..}} line per
 * step) with plain Java 2D: no display and no plotting library needed. The training loss is blue; the validation
 * loss, on the steps that measured one ({@code val_loss}), orange.
 *
 * <pre>
 * LossCurve.write(runDir.resolve("metrics.jsonl"), runDir.resolve("loss.png"));
 * </pre>
 */
public final class LossCurve {
    static final int WIDTH = 800;
    static final int HEIGHT = 480;
    static final int MARGIN = 60;

    private LossCurve() {}

    /** Draws the steps of {@code metrics} (a later line for the same step replaces an earlier one). */
    public static void write(Path metrics, Path png) throws IOException {
        java.util.TreeMap<Long, Double> byStep = new java.util.TreeMap<>();
        java.util.TreeMap<Long, Double> validation = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(metrics)) {
            if (!line.isBlank()) {
                Progress.StepLine l = Progress.StepLine.parse(line);
                byStep.put(l.step(), l.loss());
                if (!Double.isNaN(l.valLoss())) {
                    validation.put(l.step(), l.valLoss());
                } else {
                    validation.remove(l.step());
                }
            }
        }
        if (byStep.isEmpty()) {
            throw new IOException(metrics + " has no steps to draw");
        }
        double max = Math.max(byStep.values().stream().mapToDouble(Double::doubleValue).max().orElse(1),
                validation.values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
        long first = byStep.firstKey();
        long last = Math.max(byStep.lastKey(), first + 1);
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.GRAY);
            g.drawLine(MARGIN, HEIGHT - MARGIN, WIDTH - MARGIN, HEIGHT - MARGIN);
            g.drawLine(MARGIN, MARGIN, MARGIN, HEIGHT - MARGIN);
            labels(g, max, first, last);
            g.setStroke(new BasicStroke(2f));
            curve(g, byStep, new Color(0x1f77b4), max, first, last);
            curve(g, validation, new Color(0xff7f0e), max, first, last);
        } finally {
            g.dispose();
        }
        Path tmp = png.resolveSibling("." + png.getFileName() + ".tmp");
        ImageIO.write(image, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** One curve through the points, a dot on each (a validation curve may have a single point). */
    private static void curve(Graphics2D g, java.util.SortedMap<Long, Double> points, Color color, double max,
                              long first, long last) {
        g.setColor(color);
        long[] previous = null;
        for (var e : points.entrySet()) {
            long[] p = {x(e.getKey(), first, last), y(e.getValue(), max)};
            if (previous != null) {
                g.drawLine((int) previous[0], (int) previous[1], (int) p[0], (int) p[1]);
            }
            if (points.size() < 100) {
                g.fillOval((int) p[0] - 2, (int) p[1] - 2, 5, 5);
            }
            previous = p;
        }
    }

    /**
     * Axis labels, when the JVM can render text: a headless JDK without any font installed (a bare container)
     * fails on the first glyph, and the curve is still worth having without them.
     */
    private static void labels(Graphics2D g, double max, long first, long last) {
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.DARK_GRAY);
            g.drawString("loss", 10, MARGIN - 10);
            g.drawString(String.format(Locale.ROOT, "%.3g", max), 5, MARGIN + 4);
            g.drawString("0", MARGIN - 15, HEIGHT - MARGIN + 4);
            g.drawString("step " + first, MARGIN, HEIGHT - MARGIN + 20);
            g.drawString("step " + last, WIDTH - MARGIN - 60, HEIGHT - MARGIN + 20);
        } catch (RuntimeException | InternalError | UnsatisfiedLinkError noFonts) {
            // no fonts on this host: an unlabeled curve
        }
    }

    static long x(long step, long first, long last) {
        return MARGIN + Math.round((double) (step - first) / (last - first) * (WIDTH - 2 * MARGIN));
    }

    static long y(double loss, double max) {
        double f = max <= 0 ? 0 : Math.max(0, Math.min(1, loss / max));
        return HEIGHT - MARGIN - Math.round(f * (HEIGHT - 2 * MARGIN));
    }
}
