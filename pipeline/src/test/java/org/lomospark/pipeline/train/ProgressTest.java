package org.lomospark.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's progress server: metrics.jsonl holds each step of the trained model once, across retries. */
class ProgressTest {
    @TempDir
    Path dir;

    @Test
    void aRetryResumingFromAnEarlierCommitRewindsTheMetrics() throws Exception {
        Path metrics = dir.resolve("metrics.jsonl");
        // an earlier process of the same run got to step 3 before it died
        Files.write(metrics, List.of(line(1, 3.0), line(2, 2.9), line(3, 2.8)));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Progress p = Progress.start("127.0.0.1", 8, new PrintStream(log, true, StandardCharsets.UTF_8), metrics,
                java.time.Duration.ofHours(1))) {
            // the first attempt resumed from a step-2 commit and reached step 6 before its executor was lost
            send(p, 3, 6, 2.7);
            // the retry resumed from the step-4 commit: steps 5 and 6 are trained again, with other losses
            send(p, 5, 8, 1.5);
            awaitStep(p, 8);
        }
        List<String> lines = Files.readAllLines(metrics);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L),
                lines.stream().map(l -> Progress.StepLine.parse(l).step()).toList());
        assertEquals(1.5, Progress.StepLine.parse(lines.get(4)).loss(), 0.0, "step 5 is the retry's");
        assertEquals(2.7, Progress.StepLine.parse(lines.get(3)).loss(), 0.0, "step 4 is the first attempt's");
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("resumed at step 3"), printed);
        assertTrue(printed.contains("resumed at step 5: the failed attempt's steps 5-6 are trained again"), printed);
    }

    private static void send(Progress p, long from, long to, double loss) throws Exception {
        try (Progress.Reporter r = Progress.Reporter.connect(p.address())) {
            for (long s = from; s <= to; s++) {
                r.send(line(s, loss));
            }
        }
        awaitStep(p, to);
    }

    private static void awaitStep(Progress p, long step) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (p.lastStep() != step && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(step, p.lastStep());
    }

    private static String line(long step, double loss) {
        return "{\"step\":" + step + ",\"loss\":" + loss + ",\"tokens\":100}";
    }
}
