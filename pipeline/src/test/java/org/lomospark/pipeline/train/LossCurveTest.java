package org.lomospark.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurveTest {
    @TempDir
    Path dir;

    /** The rows of column {@code x} that are not background white. */
    private static List<Integer> inked(BufferedImage image, int x) {
        List<Integer> rows = new ArrayList<>();
        for (int y = 0; y < image.getHeight(); y++) {
            if ((image.getRGB(x, y) & 0xffffff) != 0xffffff) {
                rows.add(y);
            }
        }
        return rows;
    }

    @Test
    void aFallingLossIsDrawnFromHighOnTheLeftToLowOnTheRight() throws Exception {
        Path metrics = dir.resolve("metrics.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int step = 1; step <= 100; step++) {
            lines.append("{\"step\":").append(step).append(",\"loss\":").append(5.0 / step).append(",\"tokens\":10}\n");
        }
        lines.append("{\"step\":1,\"loss\":4.0,\"tokens\":10}\n"); // a retried step: the later line counts
        Files.writeString(metrics, lines);
        Path png = dir.resolve("loss.png");
        LossCurve.write(metrics, png);

        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(LossCurve.WIDTH, image.getWidth());
        assertEquals(LossCurve.HEIGHT, image.getHeight());
        int left = (int) LossCurve.x(1, 1, 100) + 1;
        int right = (int) LossCurve.x(100, 1, 100) - 1;
        long top = LossCurve.y(4.0, 4.0);
        assertTrue(inked(image, left).stream().anyMatch(y -> Math.abs(y - top) <= 3), "curve starts at the top");
        long bottom = LossCurve.y(0.05, 4.0);
        assertTrue(inked(image, right).stream().anyMatch(y -> Math.abs(y - bottom) <= 3),
                "curve ends near the bottom: " + inked(image, right));
    }

    @Test
    void noStepsIsAnError() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        IOException e = assertThrows(IOException.class, () -> LossCurve.write(empty, dir.resolve("x.png")));
        assertTrue(e.getMessage().endsWith("has no steps to draw"));
    }
}
