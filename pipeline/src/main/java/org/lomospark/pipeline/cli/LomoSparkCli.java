package org.lomospark.pipeline.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * {@code lomo-spark run [--key value ...]}: the whole pipeline ({@link Run}) on the Spark that spark-submit gives,
 * else on local Spark with every core. With no options it runs the embedded demo into {@code runs/demo}.
 * ({@code prepare} alone is {@code bin/lomo-prepare}.)
 */
public final class LomoSparkCli {
    private static final Set<String> RUN_OPTIONS = Set.of("out", "input", "tasks", "model", "seed", "dp", "tp",
            "steps", "batch", "lr", "warmup", "clip-norm", "save-every", "max-length");

    private LomoSparkCli() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || !argv[0].equals("run")) {
            System.err.println("usage: lomo-spark run [--out runs/demo] [--input SUPERGLUE_ROOT] [--tasks BoolQ,...]"
                    + " [--steps N] [--dp N] [--tp N] [--batch N] [--lr X] ...");
            System.exit(2);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < argv.length; i += 2) {
            String key = argv[i].startsWith("--") ? argv[i].substring(2) : "";
            if (!RUN_OPTIONS.contains(key) || i + 1 >= argv.length) {
                System.err.println("lomo-spark run: bad option '" + argv[i] + "' (known: --" + String.join(", --",
                        new java.util.TreeSet<>(RUN_OPTIONS)) + ")");
                System.exit(2);
            }
            options.put(key, argv[i + 1]);
        }
        Run.Settings settings = Run.parse(options);
        SparkConf conf = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName("lomo-spark run")
                .config("spark.log.level", conf.get("spark.log.level", "WARN"));
        if (!conf.contains("spark.master")) {
            int slots = Math.max(settings.dp() * settings.tp(), Runtime.getRuntime().availableProcessors());
            builder.master("local[" + slots + ",4]").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            Run.run(spark, settings, System.out);
        } finally {
            spark.stop();
        }
    }
}
