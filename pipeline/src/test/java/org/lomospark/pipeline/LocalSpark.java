package org.lomospark.pipeline;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: local[2], loopback only, no UI. */
public final class LocalSpark {
    private LocalSpark() {}

    public static SparkSession start(String app) {
        return SparkSession.builder()
                .master("local[2]")
                .appName(app)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }
}
