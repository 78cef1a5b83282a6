package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The prepare job on one corpus-scale instruction file against the same work without Spark: one case per call,
 * one JSON line, printed and appended to {@code --out}. {@code bench/prepare-scale.sh} builds, fetches the
 * tokenizer, writes the inputs ({@link AlpacaCorpus}) and runs the cases; bench/README.md lists the fields.
 *
 * <pre>
 * java -Xmx256m --add-opens=... -cp lomo-spark-bench.jar:$(cat classpath) org.lomospark.bench.prepare.ScaleBench \
 *     --input /tmp/alpaca-1000000.jsonl --examples 1000000 --tokenizer byte --floor true \
 *     --master local[2] --heap 2g --work /tmp/case --out bench/results/prepare-scale/run.jsonl
 * </pre>
 *
 * <p>This JVM only launches and watches. Each part runs in a JVM of its own with the same {@code -Xmx}
 * ({@link ChildJvm}), one after the other so none competes for the cores: the job ({@link ScaleJob}), the bare
 * pass ({@link BarePass}) and, with {@code --floor true}, the Spark floor ({@link SparkFloor}). So the job's
 * peak resident set is the job's alone, and a job that dies of memory still gets its line, with the bare pass's
 * numbers beside it. The line's counts must agree: the bare pass's records, bad lines and tokens equal the
 * manifest's, and records plus bad lines equal the examples; a case that disagrees is a failed case.
 */
public final class ScaleBench {
    private ScaleBench() {}

    public static void main(String[] args) throws Exception {
        ScaleCase c = ScaleCase.parse(args);
        Files.createDirectories(c.work());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("java", System.getProperty("java.version"));
        machine.put("machine_cores", Runtime.getRuntime().availableProcessors());
        String outcome;
        try (JsonLines out = new JsonLines(c.out(), machine)) {
            ObjectNode line = out.line("prepare-scale").put("label", c.label()).put("mode", c.mode())
                    .put("master", c.master()).put("tokenizer", c.tokenizerName()).put("examples", c.examples())
                    .put("input_bytes", Files.size(c.input())).put("files", 1).put("cores", c.cores())
                    .put("executors", c.executors()).put("max_length", c.maxLength());

            // the peers bracket the job, one run just before it and one just after: this machine's speed drifts by
            // 10-20% over minutes, and the mean of the two is the peer at the job's time
            ChildJvm.Ended bareBefore = ChildJvm.run(BarePass.class, c.executorHeap(), c, "bare-before", null);
            ChildJvm.Ended floorBefore = c.floor() ? floor(c, "floor-before") : null;
            ChildJvm.Ended job = ChildJvm.run(ScaleJob.class, c.heap(), c, "job", c.workerPid());
            line.put("output_bytes", Trees.bytes(c.work().resolve("output")));
            Trees.delete(c.work().resolve("output")); // the next part's disk, and the next case's
            ChildJvm.Ended bare = ChildJvm.run(BarePass.class, c.executorHeap(), c, "bare", null);
            ChildJvm.Ended floor = c.floor() ? floor(c, "floor") : null;
            Trees.delete(c.work().resolve("spark-local"));

            JsonNode j = job.result() == null ? MissingNode.getInstance() : job.result();
            JsonNode b = bare.result() == null ? MissingNode.getInstance() : bare.result();
            JsonNode f = floor == null || floor.result() == null ? MissingNode.getInstance() : floor.result();
            Double wall = number(j, "wall_s");
            Double bareWall = mean(bareBefore, b, "bare_wall_s");
            Double floorWall = floor == null ? null : mean(floorBefore, f, "floor_wall_s");
            Long tokens = ok(j) ? j.get("tokens").asLong() : null;
            Long bareTokens = ok(b) ? b.get("bare_tokens").asLong() : null;
            line.put("wall_s", wall)
                    .put("tokens", tokens)
                    .put("tokens_per_s", tokens == null ? null : Math.round(tokens / wall))
                    .put("bare_wall_s", bareWall)
                    .put("bare_tokens_per_s", bareTokens == null ? null : Math.round(bareTokens / bareWall))
                    .put("overhead", tokens == null || bareTokens == null ? null : ratio(wall, bareWall))
                    .put("floor_wall_s", floorWall)
                    .put("job_vs_floor", tokens == null || floorWall == null ? null : ratio(wall, floorWall))
                    .put("floor_tasks", f.has("floor_tasks") ? f.get("floor_tasks").asInt() : null)
                    .put("driver_heap_gib", ScaleCase.gib(c.heap()))
                    .put("executor_heap_gib", ScaleCase.gib(c.executorHeap()))
                    .put("peak_rss_gib", PeakRss.gib(job.peakRss()))
                    .put("executor_peak_rss_gib", c.standalone() ? PeakRss.gib(job.executorPeakRss()) : null)
                    .put("bare_peak_rss_gib", PeakRss.gib(bare.peakRss()))
                    .put("tasks", j.has("tasks") ? j.get("tasks").asInt() : null);
            runs(line.putArray("bare_wall_s_runs"), bareBefore, b, "bare_wall_s");
            if (floor != null) {
                runs(line.putArray("floor_wall_s_runs"), floorBefore, f, "floor_wall_s");
            }
            line.set("stage_seconds", j.get("stage_seconds"));
            line.put("records", j.has("records") ? j.get("records").asLong() : null)
                    .put("bad", j.has("bad") ? j.get("bad").asLong() : null)
                    .put("train_rows", j.has("train_rows") ? j.get("train_rows").asLong() : null)
                    .put("fingerprint", j.path("fingerprint").asText(null))
                    .put("spark", j.path("spark").asText(null));
            outcome = outcome(c, job, bareBefore, floorBefore);
            if (outcome.equals("ok")) {
                outcome = outcome(c, job, bare, floor);
            }
            line.put("outcome", outcome);
            line.put("first_error", outcome.equals("ok") ? null : firstError(job, bare, floor));
            out.emit(line);
        }
        if (!outcome.equals("ok")) {
            System.err.println("case failed: " + outcome + "; the parts' logs are in " + c.work());
            System.exit(1);
        }
    }

    private static ChildJvm.Ended floor(ScaleCase c, String part) throws Exception {
        ChildJvm.Ended f = ChildJvm.run(SparkFloor.class, c.heap(), c, part, null);
        Trees.delete(c.work().resolve("floor-output"));
        return f;
    }

    /** The mean of a peer's two runs' {@code field}; null unless both ran to the end. */
    private static Double mean(ChildJvm.Ended before, JsonNode after, String field) {
        Double a = before.result() == null ? null : number(before.result(), field);
        Double b = number(after, field);
        return a == null || b == null ? null : Math.round((a + b) / 2 * 1e3) / 1e3;
    }

    /** A peer's two runs' {@code field}, before the job and after it. */
    private static void runs(ArrayNode into, ChildJvm.Ended before, JsonNode after, String field) {
        into.add(before.result() == null ? null : number(before.result(), field)).add(number(after, field));
    }

    /** The first part that did not end well names the outcome; then the counts must agree. */
    private static String outcome(ScaleCase c, ChildJvm.Ended job, ChildJvm.Ended bare, ChildJvm.Ended floor) {
        if (job.result() == null) {
            return job.killed();
        }
        if (!ok(job.result())) {
            return job.result().get("outcome").asText();
        }
        if (bare.result() == null || !ok(bare.result())) {
            return "failed: bare pass " + (bare.result() == null ? bare.killed() : bare.result().get("outcome")
                    .asText());
        }
        if (floor != null && (floor.result() == null || !ok(floor.result()))) {
            return "failed: floor " + (floor.result() == null ? floor.killed() : floor.result().get("outcome")
                    .asText());
        }
        JsonNode j = job.result();
        JsonNode b = bare.result();
        Counts manifest = new Counts(j.get("records").asLong(), j.get("bad").asLong(),
                j.get("train_rows").asLong() + j.get("eval_rows").asLong(), j.get("tokens").asLong());
        Counts alone = new Counts(b.get("bare_records").asLong(), b.get("bare_bad").asLong(),
                b.get("bare_records").asLong(), b.get("bare_tokens").asLong());
        // a benchmark of different work is no benchmark
        if (!manifest.equals(alone)) {
            return "failed: the bare pass counted " + alone + " but the job's manifest " + manifest;
        }
        if (manifest.records() + manifest.bad() != c.examples()) {
            return "failed: the manifest has " + manifest.records() + " records and " + manifest.bad()
                    + " bad lines, the input " + c.examples() + " examples";
        }
        return "ok";
    }

    private static String firstError(ChildJvm.Ended... parts) throws IOException {
        for (ChildJvm.Ended p : parts) {
            if (p != null && (p.result() == null || !ok(p.result()))) {
                return ChildJvm.firstError(p.log());
            }
        }
        return null;
    }

    private static boolean ok(JsonNode part) {
        return "ok".equals(part.path("outcome").asText());
    }

    private static Double number(JsonNode part, String field) {
        return part.has(field) ? part.get(field).asDouble() : null;
    }

    private static double ratio(double a, double b) {
        return Math.round(a / b * 1e3) / 1e3;
    }
}
