package org.lomospark.pipeline.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.testing.AlpacaLines;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.testing.PreparedOutput;
import org.lomospark.pipeline.testing.StandaloneCluster;

/**
 * The prepare job on a real multi-JVM standalone cluster (two executor JVMs running the application jar) writes
 * what local mode writes: the same rows in every Parquet part and byte-identical trainer shards, with the input
 * cut into many tasks, sampled and packed (local[1] against local[2] is PrepareDeterminismTest's).
 */
class PrepareOnClusterIT {
    private static final Path APP_JAR = Path.of(System.getProperty("app.jar", "target/missing-app.jar"));
    @TempDir
    Path dir;

    @Test
    void aClusterOfTwoExecutorsWritesTheBytesLocalModeWrites() throws Exception {
        assertTrue(Files.isRegularFile(APP_JAR), APP_JAR + " is missing: the cluster test runs after package");
        Path local = dir.resolve("local");
        PreparedOutput expected;
        Manifest localManifest;
        SparkSession spark = LocalSpark.builder("PrepareOnClusterIT-local", "local[2]").getOrCreate();
        try {
            localManifest = PrepareStage.run(spark, AlpacaLines.mixed(dir, local.toString()).build());
            expected = PreparedOutput.read(spark, local);
        } finally {
            spark.stop();
        }

        Path onCluster = dir.resolve("cluster-out");
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "4g")) {
            SparkSession clustered = cluster.session("PrepareOnClusterIT", APP_JAR, 2);
            try {
                Manifest m = PrepareStage.run(clustered, AlpacaLines.mixed(dir, onCluster.toString()).build());
                assertEquals(localManifest.shards(), m.shards());
                assertEquals(localManifest.totalTokens(), m.totalTokens());
                PreparedOutput.assertSame(expected, PreparedOutput.read(clustered, onCluster));
            } finally {
                clustered.stop();
            }
        }
    }
}
