package org.lomospark.bench.prepare;

import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a {@link ScaleBench} child: {@code local[N]}, or a standalone Master whose executors run
 * this JVM's classpath with its module opens (as the project's StandaloneCluster test helper sets them up).
 * Everything on loopback; Spark's scratch (shuffle, spilled cache) under the case's work folder, removed with it.
 *
 * <pre>
 * SparkSession spark = ScaleSpark.start(c, "ScaleBench-job");   // returns once every executor has registered
 * </pre>
 */
final class ScaleSpark {
    private static final long EXECUTORS_TIMEOUT_S = 120;

    private ScaleSpark() {}

    static SparkSession start(ScaleCase c, String app) throws InterruptedException {
        SparkSession.Builder b = SparkSession.builder()
                .master(c.master())
                .appName(app)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                // one reduce task per core, as for the job's small shuffles on this machine; 200 would be empty
                .config("spark.sql.shuffle.partitions", String.valueOf(c.cores()))
                .config("spark.local.dir", c.work().resolve("spark-local").toString());
        if (c.standalone()) {
            b.config("spark.executor.memory", c.executorHeap())
                    .config("spark.executor.cores", String.valueOf(c.executorCores()))
                    .config("spark.cores.max", String.valueOf(c.cores()))
                    // no spark-submit: the executors get the driver's classpath, which holds Spark and the job
                    .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                    .config("spark.executor.extraJavaOptions", String.join(" ", ChildJvm.jvmFlags()));
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        if (c.standalone()) {
            awaitExecutors(spark, c.executors());
        }
        return spark;
    }

    /** Executors start after the session does: timing the job before they register would time their start. */
    private static void awaitExecutors(SparkSession spark, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXECUTORS_TIMEOUT_S);
        // the driver counts itself among the executor infos
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < n + 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + n + " executors registered within "
                        + EXECUTORS_TIMEOUT_S + " s: see the Worker's log");
            }
            Thread.sleep(200);
        }
    }
}
