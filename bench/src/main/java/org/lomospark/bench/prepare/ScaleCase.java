package org.lomospark.bench.prepare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lomospark.datasets.prepare.InstructInput;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.TokenizerSpec;

/**
 * One case of {@link ScaleBench}: the input, the tokenizer, where Spark runs and with how much memory. The
 * launcher and each of its child JVMs parse the same flags, so a child is given the launcher's arguments as they
 * are.
 *
 * <pre>
 * ScaleCase c = ScaleCase.parse(new String[] {"--input", "/tmp/alpaca-200000.jsonl", "--examples", "200000",
 *         "--tokenizer", "/tmp/llama2", "--tokenizer-name", "llama2", "--work", "/tmp/w", "--out", "r.jsonl"});
 * PrepareSpec spec = c.spec(c.work().resolve("output"));
 * </pre>
 */
final class ScaleCase {
    /** The task name of the rows, as the job's {@code task} column has it. */
    static final String TASK = "alpaca";
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+|\\*)]");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmgKMG])");
    private static final Map<String, String> FLAGS = new LinkedHashMap<>();

    static {
        FLAGS.put("--input", Flags.REQUIRED);          // one Alpaca JSONL file (AlpacaCorpus writes them)
        FLAGS.put("--examples", Flags.REQUIRED);       // its lines, as AlpacaCorpus was told
        FLAGS.put("--tokenizer", "byte");              // "byte" or a directory with tokenizer.json
        FLAGS.put("--tokenizer-name", Flags.OPTIONAL); // the lines' "tokenizer": "byte", else the folder's name
        FLAGS.put("--master", "local[2]");             // local[N] or spark://host:port of a standalone Master
        FLAGS.put("--cores", Flags.OPTIONAL);          // N of local[N]; required for a standalone Master
        FLAGS.put("--heap", "2g");                     // -Xmx of the driver JVM, which is local mode's executor too
        FLAGS.put("--executor-memory", "2g");          // standalone: spark.executor.memory
        FLAGS.put("--executor-cores", "1");            // standalone: spark.executor.cores; cores / this executors
        FLAGS.put("--worker-pid", Flags.OPTIONAL);     // standalone: the Worker, whose executors' memory is watched
        FLAGS.put("--max-length", "4096");             // the job's maxLength: longer examples are quarantined
        FLAGS.put("--shards", "4");                    // the job's trainer shards
        FLAGS.put("--floor", "false");                 // also time the Spark floor (byte tokenizer only)
        FLAGS.put("--timeout-s", "3600");              // a child JVM running longer is killed
        FLAGS.put("--work", Flags.REQUIRED);           // scratch: the job's output (removed), the child JVMs' logs
        FLAGS.put("--out", Flags.REQUIRED);            // the JSON lines file, appended to
        FLAGS.put("--label", "");                      // copied into the line (the script puts the commit there)
        FLAGS.put("--result", Flags.OPTIONAL);         // set by the launcher: where a child writes what it measured
    }

    private final Flags flags;

    private ScaleCase(Flags flags) {
        this.flags = flags;
        if (examples() < 1 || cores() < 1 || executorCores() < 1 || cores() % executorCores() != 0) {
            throw new IllegalArgumentException("examples " + examples() + " and cores " + cores()
                    + " must be at least 1, and cores a multiple of executor-cores " + executorCores());
        }
        if (floor() && !tokenizer().equals(TokenizerSpec.BYTE)) {
            throw new IllegalArgumentException("--floor true needs --tokenizer byte: the floor is Spark writing the"
                    + " byte tokenizer's ids, it has no BPE counterpart");
        }
    }

    static ScaleCase parse(String[] args) {
        return new ScaleCase(Flags.parse(args, FLAGS));
    }

    /** The arguments again, without {@code --result}: a child gets these and its own result file. */
    List<String> args() {
        List<String> out = new ArrayList<>(flags.args());
        int at = out.indexOf("--result");
        if (at >= 0) {
            out.subList(at, at + 2).clear();
        }
        return out;
    }

    Path input() {
        return flags.path("--input");
    }

    long examples() {
        return flags.longValue("--examples");
    }

    TokenizerSpec tokenizer() {
        return TokenizerSpec.parse(flags.get("--tokenizer"));
    }

    String tokenizerName() {
        String name = flags.get("--tokenizer-name");
        if (name != null) {
            return name;
        }
        TokenizerSpec t = tokenizer();
        return t.equals(TokenizerSpec.BYTE) ? "byte" : Path.of(t.huggingFaceDir()).getFileName().toString();
    }

    String master() {
        return flags.get("--master");
    }

    boolean standalone() {
        return master().startsWith("spark://");
    }

    String mode() {
        return standalone() ? "standalone" : "local";
    }

    /** Task slots: N of {@code local[N]}, or {@code spark.cores.max} on a standalone Master. */
    int cores() {
        String given = flags.get("--cores");
        if (given != null) {
            return Integer.parseInt(given);
        }
        Matcher m = LOCAL.matcher(master());
        if (!m.matches()) {
            throw new IllegalArgumentException("--cores is required with --master " + master());
        }
        return m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
    }

    /** The driver's {@code -Xmx}, and that of the bare pass and floor JVMs in local mode. */
    String heap() {
        return flags.get("--heap");
    }

    /** Standalone: the executors' heap, also the bare pass's; local mode: the driver's, which runs the tasks. */
    String executorHeap() {
        return standalone() ? flags.get("--executor-memory") : heap();
    }

    int executorCores() {
        return flags.intValue("--executor-cores");
    }

    int executors() {
        return standalone() ? cores() / executorCores() : 1;
    }

    Long workerPid() {
        String pid = flags.get("--worker-pid");
        return pid == null ? null : Long.parseLong(pid);
    }

    int maxLength() {
        return flags.intValue("--max-length");
    }

    boolean floor() {
        return flags.booleanValue("--floor");
    }

    int timeoutSeconds() {
        return flags.intValue("--timeout-s");
    }

    Path work() {
        return flags.path("--work");
    }

    Path out() {
        return flags.path("--out");
    }

    String label() {
        return flags.get("--label");
    }

    Path result() {
        Path r = flags.path("--result");
        if (r == null) {
            throw new IllegalArgumentException("--result is required: this main runs as a child of ScaleBench");
        }
        return r;
    }

    /** The job of this case; no sampling and no packing, so every good line is one train row. */
    PrepareSpec spec(Path output) {
        return PrepareSpec.builder(output.toString())
                .instruct(new InstructInput(TASK, input().toString(), InstructInput.Format.ALPACA))
                .tokenizer(tokenizer()).maxLength(maxLength()).shards(flags.intValue("--shards")).force(true)
                .build();
    }

    /** {@code 2g}, {@code 1500m}: GiB. */
    static double gib(String size) {
        Matcher m = SIZE.matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException("memory size '" + size + "' is not a number with k, m or g");
        }
        double n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> n / (1 << 20);
            case "m" -> n / (1 << 10);
            default -> n;
        };
    }
}
