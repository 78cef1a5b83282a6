package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One part of a {@link ScaleBench} case in a JVM of its own, so its peak memory is its own and a crash (an
 * OutOfMemoryError, which Spark answers by exiting with 52, or the kernel's OOM killer) ends the part, not the
 * benchmark: the launcher still writes the case's line. The child gets the launcher's module opens and
 * {@code -D} flags, the given {@code -Xmx}, this classpath and the case's arguments plus {@code --result FILE},
 * where it writes a JSON object of what it measured; its stdout and stderr go to {@code NAME.log}, its temporary
 * files to {@code tmp/}, removed when it ends.
 *
 * <pre>
 * ChildJvm.Ended job = ChildJvm.run(ScaleJob.class, "2g", c, "job", null);
 * if (job.result() == null) outcome = job.killed();
 * </pre>
 *
 * <p>While it runs, its {@link PeakRss} is read every half second, and so are those of the executors under the
 * given standalone Worker.
 */
final class ChildJvm {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long POLL_MS = 500;
    private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";

    /**
     * How a child ended.
     *
     * @param limitS          the time limit it was killed at, 0 when it ended on its own
     * @param result          what it wrote to its result file, null when it wrote none (it was killed)
     * @param peakRss         its peak resident set in bytes: the larger of its own last reading and ours
     * @param executorPeakRss the largest peak of any executor under the Worker, -1 without one
     */
    record Ended(int rc, int limitS, ObjectNode result, long peakRss, long executorPeakRss, Path log) {
        /** The outcome of a child that wrote no result. */
        String killed() {
            String why = limitS > 0 ? " (timed out after " + limitS + " s)"
                    : rc == 52 ? " (Spark's exit code for an OutOfMemoryError)"
                    : rc == 137 ? " (SIGKILL: the kernel's OOM killer?)" : "";
            return "killed rc " + rc + why;
        }
    }

    private ChildJvm() {}

    static Ended run(Class<?> main, String heap, ScaleCase c, String name, Long workerPid)
            throws IOException, InterruptedException {
        Path result = c.work().resolve(name + ".json");
        Path log = c.work().resolve(name + ".log");
        // the job copies its input to a temporary file; one it was killed over must not stay behind in /tmp
        Path tmp = Files.createDirectories(c.work().resolve("tmp"));
        Files.deleteIfExists(result);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.addAll(jvmFlags());
        cmd.add("-Djava.io.tmpdir=" + tmp); // after the launcher's own: the last one counts
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(c.args());
        cmd.add("--result");
        cmd.add(result.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(c.timeoutSeconds());
        long peak = -1;
        long executorPeak = -1;
        int limitS = 0;
        while (!p.waitFor(POLL_MS, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, PeakRss.of(p.pid()));
            if (workerPid != null) {
                executorPeak = Math.max(executorPeak, executorsPeak(workerPid));
            }
            if (System.nanoTime() > deadline) {
                limitS = c.timeoutSeconds();
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
        }
        ObjectNode r = Files.exists(result) ? (ObjectNode) JSON.readTree(result.toFile()) : null;
        if (r != null && r.has("peak_rss_bytes")) {
            peak = Math.max(peak, r.get("peak_rss_bytes").asLong());
        }
        Trees.delete(tmp);
        return new Ended(p.exitValue(), limitS, r, peak, executorPeak, log);
    }

    /** In a child: writes what it measured for the launcher, its own peak resident set added. */
    static void writeResult(ScaleCase c, ObjectNode r) throws IOException {
        r.put("peak_rss_bytes", PeakRss.self());
        Path tmp = c.result().resolveSibling(c.result().getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), r);
        Files.move(tmp, c.result(), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The first line of {@code log} that names an exception or error, for a child that died without a word. */
    static String firstError(Path log) throws IOException {
        if (!Files.exists(log)) {
            return null;
        }
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains("Exception") || l.contains("Error:") || l.contains("OutOfMemory"))
                    .findFirst().map(l -> l.length() > 300 ? l.substring(0, 300) : l).orElse(null);
        } catch (UncheckedIOException e) {
            return null; // a line that is no UTF-8: leave the log to a reader
        }
    }

    /** The JVM flags a Spark JVM on Java 17 needs: this JVM's module opens and {@code -D} settings. */
    static List<String> jvmFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-D"))
                .toList();
    }

    private static long executorsPeak(long workerPid) {
        return ProcessHandle.of(workerPid).stream().flatMap(ProcessHandle::descendants)
                .filter(ChildJvm::isExecutor)
                .mapToLong(e -> PeakRss.of(e.pid()))
                .max().orElse(-1);
    }

    /** ProcessHandle.Info leaves the arguments out of a long command line, /proc has them all. */
    private static boolean isExecutor(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.ISO_8859_1)
                    .contains(EXECUTOR_MAIN);
        } catch (IOException gone) {
            return false;
        }
    }
}
