package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.datasets.tokenize.HfTokenizer;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * Prepare-job throughput against the tokenizer alone on the same text, in one JVM: how much of the job's time
 * is Spark's (scheduling, serialization, caching, Parquet and Arrow writing, the commit) rather than the parse,
 * the prompts and the tokenizer. One JSON line per case, see docs/BENCHMARKS.md; {@code bench/prepare-bench.sh}
 * builds and runs it.
 *
 * <pre>
 * java -Xmx4g --add-opens=... -cp lomo-spark-bench.jar:$(cat classpath) org.lomospark.bench.prepare.PrepareBench \
 *     --copies 400 --repeat 3 --cores 2 --work /tmp/pb --out bench/results/prepare/run.jsonl
 * </pre>
 *
 * <p>Order: {@code warmup} rounds, then {@code repeat} timed rounds, each of the tokenizer alone on 1 thread, on
 * {@code cores} threads, then the job on {@code local[cores]} into a fresh output folder. Rounds rather than
 * each case three times in a row, so a change in the machine's load falls on every case of a round alike.
 * With {@code --hf-tokenizer DIR} the Hugging Face tokenizer in DIR runs alone after that (the job has only the
 * byte tokenizer, {@link org.lomospark.datasets.prepare.TokenizerSpec#BYTE}).
 */
public final class PrepareBench {
    /** Train and val: the splits with labels, so both the train and the eval path of the job run. */
    private static final List<Split> SPLITS = List.of(Split.TRAIN, Split.VAL);
    private static final List<SuperGlueTask> TASKS = List.of(SuperGlueTask.values());

    /**
     * @param copies       how many times the shipped samples are written into the input, see {@link SampleCopies}
     * @param warmup       untimed rounds first (their lines say {@code "warmup": true}): on the 2-core machine
     *                     the tokenizer-alone pass got faster for 4 rounds (1.5 s to 0.23 s) and the job for 5
     * @param repeat       timed rounds after them
     * @param cores        Spark's {@code local[cores]}, and the thread count of the parallel tokenizer-alone case
     * @param work         scratch folder for the generated input and the job outputs: new or empty, deleted at the end
     * @param out          the JSON lines file, appended to
     * @param hfTokenizer  a folder with a {@code tokenizer.json} to time alone as well, or null
     * @param hfCopies     the copies of its own, smaller input: a BPE tokenizer is far slower per token
     * @param label        free text copied into every line (the script puts the commit there)
     */
    record Options(int copies, int warmup, int repeat, int cores, Path work, Path out, Path hfTokenizer, int hfCopies,
                   String label) {
        Options {
            if (copies < 1 || warmup < 1 || repeat < 1 || cores < 1 || hfCopies < 1) {
                throw new IllegalArgumentException("copies " + copies + ", warmup " + warmup + ", repeat " + repeat
                        + ", cores " + cores + " and hf-copies " + hfCopies + " must each be at least 1");
            }
            if (work == null || out == null) {
                throw new IllegalArgumentException("--work and --out are required");
            }
        }

        static Options parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>(Map.of("--copies", "400", "--warmup", "5", "--repeat", "3", "--cores", "2",
                    "--hf-copies", "20", "--label", ""));
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 == args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got " + List.of(args));
                }
                a.put(args[i], args[i + 1]);
            }
            List<String> known = List.of("--copies", "--warmup", "--repeat", "--cores", "--work", "--out", "--hf-tokenizer",
                    "--hf-copies", "--label");
            a.keySet().stream().filter(k -> !known.contains(k)).findFirst().ifPresent(k -> {
                throw new IllegalArgumentException("unknown option " + k + " (options: " + known + ")");
            });
            return new Options(Integer.parseInt(a.get("--copies")), Integer.parseInt(a.get("--warmup")),
                    Integer.parseInt(a.get("--repeat")),
                    Integer.parseInt(a.get("--cores")), path(a.get("--work")), path(a.get("--out")),
                    path(a.get("--hf-tokenizer")), Integer.parseInt(a.get("--hf-copies")), a.get("--label"));
        }

        private static Path path(String p) {
            return p == null ? null : Path.of(p);
        }
    }

    /** Opens one worker's tokenizer. */
    private interface TokenizerSource {
        Tokenizer open() throws IOException;
    }

    /** A generated input: its files in job order, their total size, and how many sample copies they hold. */
    private record Input(Path root, List<TokenizeAlone.File> files, long bytes, int copies) {
        static Input write(Path root, int copies) throws IOException {
            SampleCopies.write(root, TASKS, SPLITS, copies);
            List<TokenizeAlone.File> files = new ArrayList<>();
            long bytes = 0;
            for (SuperGlueTask task : TASKS) {
                for (Split split : SPLITS) {
                    files.add(new TokenizeAlone.File(task, split, task.file(root, split)));
                    bytes += Files.size(task.file(root, split));
                }
            }
            return new Input(root, files, bytes, copies);
        }
    }

    private PrepareBench() {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (Files.exists(o.work()) && !isEmptyDir(o.work())) {
            throw new IOException("--work " + o.work() + " is not empty; give a new or empty folder (it is deleted"
                    + " at the end)");
        }
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.version"));
        machine.put("label", o.label());
        try (JsonLines out = new JsonLines(o.out(), machine)) {
            Input text = Input.write(o.work().resolve("input"), o.copies());
            Input hfText = o.hfTokenizer() == null ? null : Input.write(o.work().resolve("input-hf"), o.hfCopies());
            long started = System.nanoTime();
            SparkSession spark = SparkSession.builder()
                    .master("local[" + o.cores() + "]")
                    .appName("PrepareBench")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", String.valueOf(o.cores()))
                    .getOrCreate();
            try {
                spark.sparkContext().setLogLevel("WARN");
                machine.put("spark", spark.version());
                out.emit(out.line("spark-start").put("seconds", ms(seconds(started))));
                Cases c = new Cases(out, SparkPhases.attach(spark));
                for (int round = -o.warmup(); round < o.repeat(); round++) {
                    Counts alone = c.alone(text, ByteTokenizer::new, "byte", 1, round);
                    if (o.cores() > 1) {
                        check("the tokenizer alone on " + o.cores() + " threads", alone,
                                c.alone(text, ByteTokenizer::new, "byte", o.cores(), round));
                    }
                    check("the job's manifest", alone, c.job(spark, text, o, round));
                }
                if (hfText != null) {
                    String name = "hf:" + o.hfTokenizer().toAbsolutePath().getFileName();
                    for (int round = -o.warmup(); round < o.repeat(); round++) {
                        for (int threads : o.cores() > 1 ? List.of(1, o.cores()) : List.of(1)) {
                            c.alone(hfText, () -> HfTokenizer.load(o.hfTokenizer()), name, threads, round);
                        }
                    }
                }
            } finally {
                spark.stop();
            }
        } finally {
            Trees.delete(o.work());
        }
    }

    /** Counted the same way, the two passes must agree exactly: a benchmark of different work is no benchmark. */
    private static void check(String what, Counts expected, Counts got) {
        if (!expected.equals(got)) {
            throw new IllegalStateException(what + " counted " + got + " but the tokenizer alone on 1 thread counted "
                    + expected + " on the same input");
        }
    }

    /** The timed cases; a negative {@code round} is a warm-up one, its lines marked so. */
    private record Cases(JsonLines out, SparkPhases phases) {
        Counts alone(Input in, TokenizerSource source, String name, int threads, int round) throws Exception {
            List<Tokenizer> tokenizers = new ArrayList<>();
            try {
                for (int i = 0; i < threads; i++) {
                    tokenizers.add(source.open());
                }
                System.gc(); // the previous case's garbage is not this one's to collect
                long cpu = processCpuNanos();
                long started = System.nanoTime();
                Counts n = TokenizeAlone.run(in.files(), tokenizers);
                double s = seconds(started);
                cpu = processCpuNanos() - cpu;
                out.emit(throughput("tokenize-alone", in, name, tokenizers.get(0).fingerprint(), threads, round, n,
                        s, cpu));
                return n;
            } finally {
                for (Tokenizer t : tokenizers) {
                    if (t instanceof AutoCloseable closeable) {
                        closeable.close();
                    }
                }
            }
        }

        Counts job(SparkSession spark, Input in, Options o, int round) throws Exception {
            Path output = o.work().resolve("output-" + (round + o.warmup()));
            // no length limit: the tokenizer-alone pass cuts nothing either, so both count the same tokens
            PrepareSpec spec = PrepareSpec.builder(output.toString()).superGlue(in.root().toString(), TASKS, SPLITS)
                    .maxLength(Integer.MAX_VALUE).maxBadFraction(0).build();
            System.gc();
            phases.clear();
            long cpu = processCpuNanos();
            long calledMs = System.currentTimeMillis(); // the scheduler's clock, for the gaps around its jobs
            long started = System.nanoTime();
            Manifest m = PrepareStage.run(spark, spec);
            double s = seconds(started);
            long returnedMs = System.currentTimeMillis();
            cpu = processCpuNanos() - cpu;
            SparkPhases.Recorded r = phases.drain();
            out.emit(throughput("prepare-job", in, "byte", m.tokenizerFingerprint(), o.cores(), round, Counts.of(m),
                    s, cpu)
                    .put("master", "local[" + o.cores() + "]")
                    .put("spark_jobs", r.jobs().size())
                    .put("spark_job_seconds", ms(r.jobSeconds()))
                    .put("outside_spark_jobs_seconds", ms(s - r.jobSeconds()))
                    .put("before_first_job_seconds", ms(r.beforeFirstJob(calledMs)))
                    .put("after_last_job_seconds", ms(r.afterLastJob(returnedMs)))
                    .put("output_bytes", Trees.bytes(output)));
            for (SparkPhases.Stage st : r.stages()) {
                out.emit(out.line("prepare-job-stage").put("repeat", round).put("warmup", round < 0)
                        .put("job", st.job()).put("stage", st.stage()).put("action", st.action())
                        .put("tasks", st.tasks()).put("seconds", ms(st.seconds()))
                        .put("task_seconds", ms(st.taskSeconds())).put("cpu_seconds", ms(st.cpuSeconds()))
                        .put("gc_seconds", ms(st.gcSeconds())).put("bytes_written", st.bytesWritten()));
            }
            if (round == -1) {
                // once: what each file holds, which is what each of the job's one-file partitions has to do
                for (Manifest.Source f : m.sources()) {
                    out.emit(out.line("input-file").put("task", f.task()).put("split", f.split())
                            .put("bytes", f.bytes()).put("records", f.records()).put("rows", f.rows())
                            .put("tokens", f.tokens()));
                }
            }
            Trees.delete(output);
            return Counts.of(m);
        }

        private ObjectNode throughput(String name, Input in, String tokenizer, String fingerprint, int threads,
                                      int round, Counts n, double s, long cpuNanos) {
            return out.line(name).put("tokenizer", tokenizer).put("fingerprint", fingerprint)
                    .put("threads", threads).put("repeat", round).put("warmup", round < 0)
                    .put("copies", in.copies()).put("files", in.files().size()).put("input_bytes", in.bytes())
                    .put("records", n.records()).put("bad", n.bad()).put("rows", n.rows())
                    .put("tokens", n.tokens()).put("seconds", ms(s)).put("process_cpu_seconds", ms(cpuNanos / 1e9))
                    .put("tokens_per_s", Math.round(n.tokens() / s))
                    .put("records_per_s", Math.round(n.records() / s));
        }
    }

    /**
     * CPU time of this whole JVM (every thread: Spark's, the JIT's, the collector's). On a shared machine it moves
     * less with the others' load than wall time does.
     */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double ms(double seconds) {
        return Math.round(seconds * 1e3) / 1e3;
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
