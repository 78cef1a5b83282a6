package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.AlpacaLines;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.testing.PreparedOutput;

/**
 * The same inputs and settings give the same output on one core and on two: every Parquet part the same rows in
 * the same order, every trainer shard the same bytes (the standalone cluster's run is StandaloneClusterIT's).
 */
class PrepareDeterminismTest {
    @TempDir
    Path dir;

    private PreparedOutput prepare(String master, String name) throws Exception {
        SparkSession spark = LocalSpark.builder("PrepareDeterminismTest-" + name, master).getOrCreate();
        try {
            Path out = dir.resolve(name);
            Manifest m = PrepareStage.run(spark, AlpacaLines.mixed(dir, out.toString()).force(true).build());
            assertTrue(m.sources().get(m.sources().size() - 1).tasks() >= 8, "the corpus is cut into many tasks");
            assertTrue(m.skipped() > 0 && m.trainRows() < m.records(), "sampled and packed: " + m);
            assertEquals(3, m.shards().size());
            return PreparedOutput.read(spark, out);
        } finally {
            spark.stop();
        }
    }

    @Test
    void oneCoreAndTwoCoresWriteTheSameBytes() throws Exception {
        PreparedOutput one = prepare("local[1]", "one");
        PreparedOutput two = prepare("local[2]", "two");
        assertTrue(one.parquet().keySet().stream().anyMatch(k -> k.startsWith("eval/")),
                () -> one.parquet().keySet().toString());
        PreparedOutput.assertSame(one, two);
    }
}
