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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The loss curve of a run as a PNG, drawn from its {@code metrics.jsonl} (one {@code {"step":..,"loss":..}} line per
 * step) with plain Java 2D: no display and no plotting library needed.
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
        for (String line : Files.readAllLines(metrics)) {
            if (!line.isBlank()) {
                Progress.StepLine l = Progress.StepLine.parse(line);
                byStep.put(l.step(), l.loss());
            }
        }
        if (byStep.isEmpty()) {
            throw new IOException(metrics + " has no steps to draw");
        }
        List<long[]> points = new ArrayList<>();
        double max = byStep.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
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
            for (var e : byStep.entrySet()) {
                points.add(new long[] {x(e.getKey(), first, last), y(e.getValue(), max)});
            }
            g.setColor(new Color(0x1f77b4));
            g.setStroke(new BasicStroke(2f));
            for (int i = 1; i < points.size(); i++) {
                g.drawLine((int) points.get(i - 1)[0], (int) points.get(i - 1)[1], (int) points.get(i)[0],
                        (int) points.get(i)[1]);
            }
        } finally {
            g.dispose();
        }
        Path tmp = png.resolveSibling("." + png.getFileName() + ".tmp");
        ImageIO.write(image, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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
