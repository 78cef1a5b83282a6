package org.lomospark.datasets.prepare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * {@code prepare} from the command line: every {@link PrepareSpec} setting as a {@code --key value} option. Runs
 * on the cluster spark-submit gives it, else on {@code local[*]}.
 *
 * <pre>
 * bin/lomo-prepare --output out/prepared --superglue data/superglue --tasks BoolQ,RTE \
 *     --sample-train 1000 --sample-eval 1000 --seed 42 --tokenizer models/llama-2-7b
 * bin/lomo-prepare --output out/sft --instruct alpaca:alpaca:data/alpaca.json --pack 2048 --max-length 2048
 * </pre>
 */
public final class PrepareCli {
    private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("output", "the directory to create (any Hadoop path); required");
        OPTIONS.put("superglue", "a SuperGLUE root: <root>/<Task>/{train,val,test}.jsonl");
        OPTIONS.put("tasks", "comma-separated task folders, or all (default all when --superglue is given)");
        OPTIONS.put("splits", "comma-separated splits (default train,val,test)");
        OPTIONS.put("instruct", "name:format:path, comma-separated; format alpaca, sharegpt or messages; path JSONL"
                + " or a JSON array (optionally .gz/.bz2/.zst), or .parquet");
        OPTIONS.put("tokenizer", "byte, or a directory with tokenizer.json (default byte)");
        OPTIONS.put("max-length", "longest row in tokens; passages are cut to fit (default "
                + PrepareSpec.DEFAULT_MAX_LENGTH + ")");
        OPTIONS.put("sample-train", "records kept per train file, 0 for all (default 0)");
        OPTIONS.put("sample-eval", "records kept per val or test file, 0 for all (default 0)");
        OPTIONS.put("seed", "the sampling seed (default 0)");
        OPTIONS.put("pack", "pack instruction examples into rows of this many tokens, 0 for none (default 0)");
        OPTIONS.put("eval-bucket", "eval rows' padded_length is a multiple of this (default "
                + PrepareSpec.DEFAULT_EVAL_BUCKET + ")");
        OPTIONS.put("shards", "trainer shard files at least, a multiple of this (default " + PrepareSpec.DEFAULT_SHARDS
                + ")");
        OPTIONS.put("split-bytes", "bytes of uncompressed JSONL per task (default " + PrepareSpec.DEFAULT_SPLIT_BYTES
                + ")");
        OPTIONS.put("max-line-bytes", "longer lines are quarantined unread (default "
                + PrepareSpec.DEFAULT_MAX_LINE_BYTES + ")");
        OPTIONS.put("max-bad-fraction", "fail above this share of bad lines (default "
                + PrepareSpec.DEFAULT_MAX_BAD_FRACTION + ")");
        OPTIONS.put("force", "true to replace a finished output (default false: a rerun is a no-op)");
    }

    private PrepareCli() {}

    public static void main(String[] argv) throws Exception {
        int code = run(argv, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line and returns the exit code: 0 when done, also for {@code --help} or {@code -h} (the usage,
     * to {@code out}), 2 for a bad command line (a message and the usage, to {@code err}).
     */
    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        if (asksForHelp(argv)) {
            usage(out);
            return 0;
        }
        PrepareSpec spec;
        try {
            spec = spec(parse(argv));
        } catch (IllegalArgumentException e) {
            err.println("lomo-prepare: " + e.getMessage());
            usage(err);
            return 2;
        }
        SparkConf conf = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName("lomo-spark prepare")
                .config("spark.log.level", conf.get("spark.log.level", "WARN"));
        if (!conf.contains("spark.master")) {
            builder.master("local[*]").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            long start = System.nanoTime();
            Manifest m = PrepareStage.run(spark, spec);
            report(m, spec.output(), (System.nanoTime() - start) / 1e9, out);
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** {@code --help} or {@code -h} where an option goes (a value that reads {@code -h} is a value). */
    private static boolean asksForHelp(String[] argv) {
        for (int i = 0; i < argv.length; i += 2) {
            if (argv[i].equals("--help") || argv[i].equals("-h")) {
                return true;
            }
        }
        return false;
    }

    static Map<String, String> parse(String[] argv) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i += 2) {
            String key = argv[i].startsWith("--") ? argv[i].substring(2) : null;
            if (key == null || !OPTIONS.containsKey(key)) {
                throw new IllegalArgumentException("unknown option '" + argv[i] + "'");
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
            values.put(key, argv[i + 1]);
        }
        return values;
    }

    static PrepareSpec spec(Map<String, String> o) {
        if (!o.containsKey("output")) {
            throw new IllegalArgumentException("--output is required");
        }
        PrepareSpec.Builder b = PrepareSpec.builder(o.get("output"));
        if (o.containsKey("superglue")) {
            String tasks = o.getOrDefault("tasks", "all");
            List<SuperGlueTask> list = tasks.equals("all") ? List.of(SuperGlueTask.values())
                    : Arrays.stream(tasks.split(",")).map(String::trim).map(SuperGlueTask::fromDirName).toList();
            List<Split> splits = Arrays.stream(o.getOrDefault("splits", "train,val,test").split(","))
                    .map(s -> split(s.trim())).toList();
            b.superGlue(o.get("superglue"), list, splits);
        } else if (o.containsKey("tasks") || o.containsKey("splits")) {
            throw new IllegalArgumentException("--tasks and --splits need --superglue");
        }
        if (o.containsKey("instruct")) {
            for (String item : o.get("instruct").split(",")) {
                String[] parts = item.trim().split(":", 3);
                if (parts.length != 3) {
                    throw new IllegalArgumentException("--instruct '" + item + "' is not name:format:path");
                }
                b.instruct(new InstructInput(parts[0], parts[2], InstructInput.Format.parse(parts[1])));
            }
        }
        b.tokenizer(TokenizerSpec.parse(o.getOrDefault("tokenizer", TokenizerSpec.BYTE_NAME)))
                .maxLength(integer(o, "max-length", PrepareSpec.DEFAULT_MAX_LENGTH))
                .sample(new Sampling(integer(o, "seed", 0), integer(o, "sample-train", 0),
                        integer(o, "sample-eval", 0)))
                .pack(integer(o, "pack", 0))
                .evalBucket(integer(o, "eval-bucket", PrepareSpec.DEFAULT_EVAL_BUCKET))
                .shards(integer(o, "shards", PrepareSpec.DEFAULT_SHARDS))
                .splitBytes(longInteger(o, "split-bytes", PrepareSpec.DEFAULT_SPLIT_BYTES))
                .maxLineBytes(integer(o, "max-line-bytes", PrepareSpec.DEFAULT_MAX_LINE_BYTES))
                .maxBadFraction(number(o, "max-bad-fraction", PrepareSpec.DEFAULT_MAX_BAD_FRACTION))
                .force(bool(o, "force"));
        return b.build();
    }

    private static Split split(String name) {
        try {
            return Split.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown split '" + name + "' (choices: train, val, test)", e);
        }
    }

    private static int integer(Map<String, String> o, String key, int fallback) {
        return parsed(o, key, fallback, Integer::valueOf, "an integer");
    }

    private static long longInteger(Map<String, String> o, String key, long fallback) {
        return parsed(o, key, fallback, Long::valueOf, "an integer");
    }

    private static double number(Map<String, String> o, String key, double fallback) {
        return parsed(o, key, fallback, Double::valueOf, "a number");
    }

    private static <T> T parsed(Map<String, String> o, String key, T fallback,
                                java.util.function.Function<String, T> parse, String what) {
        String v = o.get(key);
        try {
            return v == null ? fallback : parse.apply(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be " + what + ", got '" + v + "'", e);
        }
    }

    private static boolean bool(Map<String, String> o, String key) {
        String v = o.getOrDefault(key, "false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("--" + key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static void usage(PrintStream out) {
        out.println("usage: lomo-prepare --output DIR [--superglue ROOT] [--instruct name:format:path] [options]"
                + "   (-h, --help: this)");
        OPTIONS.forEach((k, v) -> out.printf(Locale.ROOT, "  --%-17s %s%n", k, v));
    }

    /** One line per source, then the totals, as the manifest has them. */
    static void report(Manifest m, String output, double seconds, PrintStream out) {
        out.printf(Locale.ROOT, "%-10s %-6s %8s %8s %6s %8s %9s %8s %10s%n", "task", "split", "lines", "kept", "bad",
                "skipped", "truncated", "rows", "tokens");
        List<Manifest.Source> sources = new ArrayList<>(m.sources());
        for (Manifest.Source s : sources) {
            out.printf(Locale.ROOT, "%-10s %-6s %8d %8d %6d %8d %9d %8d %10d%n", s.task(), s.split(), s.lines(),
                    s.records(), s.bad(), s.skipped(), s.truncated(), s.rows(), s.tokens());
        }
        out.printf(Locale.ROOT, "%-17s %8d %8d %6d %8d %9d %8d %10d%n", "total", m.lines(), m.records(), m.bad(),
                m.skipped(), m.truncated(), m.trainRows() + m.evalRows(), m.totalTokens());
        out.printf(Locale.ROOT, "%d train rows in %d shards, %d eval rows, longest row %d tokens; tokenizer %s;"
                + " %.1f s%n-> %s%n", m.trainRows(), m.shards().size(), m.evalRows(), m.longestRow(),
                m.tokenizerFingerprint(), seconds, output);
    }
}
