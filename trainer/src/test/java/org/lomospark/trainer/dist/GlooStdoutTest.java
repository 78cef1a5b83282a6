package org.lomospark.trainer.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.tensor.TorchLoader;

/**
 * Gloo's connect report stays off standard output, and nothing else written meanwhile is lost. Standard output is
 * a file descriptor, so a child JVM runs the ranks and this test reads what reached its descriptor 1.
 */
class GlooStdoutTest {
    @Test
    void twoRanksConnectWithoutGloosReportAndEveryOtherLineArrives() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir"),
                "-Djna.tmpdir=" + System.getProperty("jna.tmpdir", System.getProperty("java.io.tmpdir")),
                Child.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String stdout = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), stdout);
        assertEquals(0, child.exitValue(), stdout);
        assertFalse(stdout.contains("[Gloo]"), stdout);
        List<String> lines = stdout.lines().toList();
        assertEquals("before the groups", lines.get(0), stdout);
        assertEquals("sum 3.0 on both ranks", lines.get(lines.size() - 1), stdout);
        // printed by each rank as soon as it is connected, maybe while the other still connects
        assertTrue(lines.contains("rank 0 joined") && lines.contains("rank 1 joined"), stdout);
        assertEquals(4, lines.size(), stdout);
    }

    @Test
    void theReportsLinesAreDroppedEvenInterleavedAndNothingElse() {
        assertFalse(GlooStdout.keeps(
                "[Gloo] Rank 1 is connected to 3 peer ranks. Expected number of connected peer ranks is : 3", true));
        // two ranks of one JVM writing their reports at once, as captured
        assertFalse(GlooStdout.keeps("[Gloo] Rank [Gloo] Rank 0 is connected to 1 peer ranks. Expected number of "
                + "connected peer ranks is : 11", true));
        assertFalse(GlooStdout.keeps(" is connected to 1 peer ranks. Expected number of connected peer ranks is : 1",
                true));
        assertTrue(GlooStdout.keeps("[Gloo] Rank 1 is NOT connected to: [2]", true));
        assertTrue(GlooStdout.keeps("[Gloo] Rank 1 is connected to 3 peer ranks, step 1/4", true));
        assertTrue(GlooStdout.keeps("step 1/4  loss 5.59", true));
        // a report's last number or line end can land on a line of its own; elsewhere they are the output
        assertFalse(GlooStdout.keeps("1", true));
        assertTrue(GlooStdout.keeps("42", false));
        assertFalse(GlooStdout.keeps("", true));
        assertTrue(GlooStdout.keeps("", false));
    }

    /** Two ranks in threads of one JVM, as Spark's local mode runs them. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            TorchLoader.load(false);
            System.out.println("before the groups");
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (Distributed.Server server = Distributed.listen("127.0.0.1")) {
                List<Future<Double>> ranks = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    int rank = r;
                    ranks.add(pool.submit(() -> {
                        try (Distributed d = Distributed.join(server.address(), new Mesh(2, 1, rank), "127.0.0.1",
                                Duration.ofSeconds(60))) {
                            System.out.println("rank " + rank + " joined");
                            return d.dp().sum(rank + 1.0);
                        }
                    }));
                }
                double a = ranks.get(0).get();
                double b = ranks.get(1).get();
                System.out.println(a == b ? "sum " + a + " on both ranks" : "ranks differ: " + a + " and " + b);
            } finally {
                pool.shutdownNow();
            }
            System.out.flush();
            System.exit(0);
        }
    }
}
