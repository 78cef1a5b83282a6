package org.lomospark.pipeline.cli;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.lomospark.pipeline.config.PipelineConfig;
import org.lomospark.trainer.tensor.TorchLoader;

/**
 * {@code lomo-spark <command> [--config FILE]... [key=value]...}: a stage of the pipeline ({@link Run}) on the Spark
 * that spark-submit gives, else on local Spark with every core ({@code lomo.spark} settings apply then).
 * With no settings, {@code run} is the embedded demo into {@code runs/demo}.
 *
 * <pre>
 * bin/lomo-spark run
 * bin/lomo-spark train --config conf/superglue-llama-7b.conf train.steps=2000 run-dir=s3a://bucket/runs/7b
 * bin/lomo-spark run --print-config --config conf/s3.conf
 * bin/lomo-spark generate 'generate.prompts=["Is the sky blue? Answer:"]' 
 * </pre>
 */
public final class LomoSparkCli {
    private static final List<String> COMMANDS = List.of("prepare", "train", "export", "evaluate", "run",
            "generate");

    private LomoSparkCli() {}

    /** A parsed command line. */
    record Invocation(String command, List<Path> files, List<String> overrides, boolean printConfig) {}

    public static void main(String[] argv) throws Exception {
        int code = run(argv, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line and returns the exit code: 0 when done, also for {@code --help} or {@code -h} (the usage,
     * to {@code out}), 2 for a bad command line or settings (a message and the usage, to {@code err}) and for a run
     * its checks refuse (the settings against the data, the model or the files: the message alone, to {@code err}).
     */
    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        if (asksForHelp(argv)) {
            usage(out);
            return 0;
        }
        Invocation inv;
        PipelineConfig config;
        try {
            inv = parse(argv);
            config = PipelineConfig.load(inv.files(), inv.overrides());
        } catch (IllegalArgumentException e) {
            err.println("lomo-spark: " + e.getMessage());
            usage(err);
            return 2;
        }
        if (inv.printConfig()) {
            out.println(config.render());
            return 0;
        }
        if (!inv.command().equals("prepare")) {
            // before any executor of this host can start: they then find the natives unpacked (TorchLoader)
            TorchLoader.load(false);
        }
        SparkSession spark = session(config, inv.command());
        try {
            execute(spark, inv.command(), config, out);
        } catch (IllegalArgumentException | FileNotFoundException e) {
            // refused: a setting, the data or a missing file, each message naming what (no stack trace to read)
            err.println("lomo-spark: " + e.getMessage());
            return 2;
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** Runs one command; what {@link #main} does once Spark is up. */
    static void execute(SparkSession spark, String command, PipelineConfig c, PrintStream out) throws Exception {
        switch (command) {
            case "prepare" -> Run.prepare(spark, c, out);
            case "train" -> Run.train(spark, c, out);
            case "export" -> Run.export(spark, c, out);
            case "evaluate" -> Run.evaluate(spark, c, out);
            case "run" -> Run.run(spark, c, out);
            case "generate" -> Run.generate(spark, c, out);
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
    }

    /** {@code --help} or {@code -h} as the command or an argument (a {@code --config} file so named is a file). */
    private static boolean asksForHelp(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--help") || argv[i].equals("-h")) {
                return true;
            }
            if (i > 0 && (argv[i].equals("--config") || argv[i].equals("-c"))) {
                i++;
            }
        }
        return false;
    }

    static Invocation parse(String[] argv) {
        if (argv.length == 0 || !COMMANDS.contains(argv[0])) {
            throw new IllegalArgumentException(argv.length == 0 ? "no command"
                    : "unknown command '" + argv[0] + "'");
        }
        List<Path> files = new ArrayList<>();
        List<String> overrides = new ArrayList<>();
        boolean print = false;
        for (int i = 1; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--config") || a.equals("-c")) {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException(a + " needs a file");
                }
                files.add(Path.of(argv[++i]));
            } else if (a.equals("--print-config")) {
                print = true;
            } else if (!a.startsWith("-") && a.contains("=")) {
                overrides.add(a);
            } else {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
        }
        return new Invocation(argv[0], files, overrides, print);
    }

    static SparkSession session(PipelineConfig c, String command) {
        SparkConf submitted = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName("lomo-spark " + command)
                .config("spark.log.level", submitted.get("spark.log.level", "WARN"))
                .config("spark.redaction.regex", redaction(submitted.get("spark.redaction.regex", null),
                        c.spark().get("spark.redaction.regex")));
        if (!submitted.contains("spark.master")) {
            // not under spark-submit: local Spark with at least dp x tp slots, unless lomo.spark says otherwise
            int slots = Math.max(c.recipe().runtime().world(), Runtime.getRuntime().availableProcessors());
            builder.master("local[" + slots + ",4]").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false");
            for (Map.Entry<String, String> e : c.spark().entrySet()) {
                if (!e.getKey().equals("spark.redaction.regex")) { // merged into the pattern above
                    builder.config(e.getKey(), e.getValue());
                }
            }
        }
        // the run's Hadoop settings (s3a endpoint, credentials) reach every stage through Spark's Hadoop conf
        for (Map.Entry<String, String> e : c.hadoop().entrySet()) {
            builder.config("spark.hadoop." + e.getKey(), e.getValue());
        }
        return builder.getOrCreate();
    }

    /**
     * Spark's redaction pattern: the credentials {@link PipelineConfig#SECRET_KEYS} names, and whatever pattern the
     * submission or {@code lomo.spark} gave (Spark's own default covers fewer keys: not SSE-C's encryption key).
     */
    static String redaction(String submitted, String configured) {
        StringBuilder regex = new StringBuilder("(?i)").append(PipelineConfig.SECRET_KEYS);
        for (String extra : new String[] {submitted, configured}) {
            if (extra != null && !extra.isBlank()) {
                regex.append('|').append(extra);
            }
        }
        return regex.toString();
    }

    private static void usage(PrintStream out) {
        out.println("usage: lomo-spark {" + String.join("|", COMMANDS) + "} [--config FILE]... [key=value]..."
                + " [--print-config] [--help]");
        out.println("  prepare   tokenize and shard the data into <run-dir>/prepared");
        out.println("  train     LOMO training in a Spark barrier stage into <run-dir>/checkpoints (resumes)");
        out.println("  export    the newest checkpoint as a Hugging Face directory <run-dir>/model");
        out.println("  evaluate  score <run-dir>/model on the prepared eval split: table and <run-dir>/eval.json");
        out.println("  run       all four, skipping finished stages");
        out.println("  generate  continue generate.prompts with <run-dir>/model: printed and <run-dir>/generated.jsonl");
        out.println("settings: the embedded defaults (conf/README.md lists them), then each --config file, then");
        out.println("key=value overrides such as train.steps=100 run-dir=runs/x; --print-config shows the result");
        out.println("(credentials as ****) and exits");
    }
}
