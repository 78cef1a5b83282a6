package org.lomospark.datasets.testing;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: local mode on loopback only, no UI, 2 shuffle partitions. */
public final class LocalSpark {
    private LocalSpark() {}

    /** A session builder with {@code master} ({@code local[2]}, {@code local[4,4]}, ...), for more settings. */
    public static SparkSession.Builder builder(String app, String master) {
        return SparkSession.builder()
                .master(master)
                .appName(app)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2");
    }

    /** local[2]. */
    public static SparkSession start(String app) {
        return builder(app, "local[2]").getOrCreate();
    }
}
