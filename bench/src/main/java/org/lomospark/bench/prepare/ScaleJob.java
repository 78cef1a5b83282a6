package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareStage;

/**
 * The job part of a {@link ScaleBench} case, in a JVM of its own: {@code PrepareStage.run} once, cold (a corpus
 * takes minutes, so the JIT's warm-up is a small part, and a real run is cold too), timed from the call to its
 * return; the session's start and its executors' registration are not in the time. Writes the wall time, the
 * manifest's counts and the Spark stages it ran; a job that throws writes its outcome instead.
 *
 * <pre>
 * java -Xmx2g ... org.lomospark.bench.prepare.ScaleJob &lt;the case's flags&gt; --result job.json
 * </pre>
 */
public final class ScaleJob {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScaleJob() {}

    public static void main(String[] args) throws Exception {
        ScaleCase c = ScaleCase.parse(args);
        ObjectNode r = JSON.createObjectNode();
        SparkSession spark = null;
        boolean running = false;
        long started = 0;
        try {
            spark = ScaleSpark.start(c, "ScaleBench-job");
            r.put("spark", spark.version());
            SparkPhases phases = SparkPhases.attach(spark);
            started = System.nanoTime();
            running = true;
            Manifest m = PrepareStage.run(spark, c.spec(c.work().resolve("output")));
            r.put("wall_s", ms((System.nanoTime() - started) / 1e9));
            r.put("tokens", m.totalTokens()).put("records", m.records()).put("bad", m.bad())
                    .put("train_rows", m.trainRows()).put("eval_rows", m.evalRows())
                    .put("fingerprint", m.tokenizerFingerprint());
            stages(r, phases.drain());
            r.put("outcome", "ok");
        } catch (Exception | Error e) {
            // an OutOfMemoryError on a task thread ends the JVM (exit 52) before this; on the driver it lands here
            if (running) {
                r.put("wall_s", ms((System.nanoTime() - started) / 1e9));
            }
            r.put("outcome", "failed: " + firstLine(e));
            e.printStackTrace();
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
        ChildJvm.writeResult(c, r);
    }

    /** {@code tasks}: the most tasks of any stage, the job's parallelism; and each stage's time. */
    private static void stages(ObjectNode r, SparkPhases.Recorded recorded) {
        ArrayNode stages = r.putArray("stage_seconds");
        int tasks = 0;
        for (SparkPhases.Stage s : recorded.stages()) {
            tasks = Math.max(tasks, s.tasks());
            stages.addObject().put("stage", s.stage()).put("action", s.action()).put("tasks", s.tasks())
                    .put("seconds", ms(s.seconds())).put("cpu_seconds", ms(s.cpuSeconds()))
                    .put("gc_seconds", ms(s.gcSeconds())).put("shuffle_write_bytes", s.shuffleWritten())
                    .put("shuffle_read_bytes", s.shuffleRead()).put("spilled_bytes", s.spilled());
        }
        r.put("tasks", tasks);
    }

    static String firstLine(Throwable e) {
        String text = e.toString();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    static double ms(double seconds) {
        return Math.round(seconds * 1e3) / 1e3;
    }
}
