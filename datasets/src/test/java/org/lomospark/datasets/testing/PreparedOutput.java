package org.lomospark.datasets.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a prepare output holds, part by part and shard by shard: each Parquet part's rows in file order (keyed by
 * table and part number; the job id in part names is random per run) and each trainer shard's bytes.
 */
public record PreparedOutput(TreeMap<String, List<String>> parquet, TreeMap<String, byte[]> shards) {
    public static PreparedOutput read(SparkSession spark, Path out) throws IOException {
        TreeMap<String, List<String>> parquet = new TreeMap<>();
        TreeMap<String, byte[]> shards = new TreeMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = out.relativize(f).toString();
                if (name.endsWith(".parquet")) {
                    // part-00003-<job uuid>-c000...: the uuid is random per run, the part number is the partition
                    String part = name.replaceAll("part-(\\d+)-[0-9a-f-]+", "part-$1");
                    // rows, not bytes: parquet-mr lists a column chunk's encodings in its footer in a hash set's
                    // order, which differs from JVM to JVM
                    parquet.put(part, spark.read().parquet(f.toString()).collectAsList().stream()
                            .map(Row::toString).toList());
                } else if (name.endsWith(".arrow")) {
                    shards.put(name, Files.readAllBytes(f));
                }
            }
        }
        return new PreparedOutput(parquet, shards);
    }

    /** Every Parquet part the same rows in the same order, every shard the same bytes. */
    public static void assertSame(PreparedOutput a, PreparedOutput b) {
        assertEquals(a.parquet().keySet(), b.parquet().keySet());
        a.parquet().forEach((part, rows) -> assertEquals(rows, b.parquet().get(part), part));
        assertEquals(a.shards().keySet(), b.shards().keySet());
        a.shards().forEach((name, bytes) -> assertArrayEquals(bytes, b.shards().get(name), name));
    }
}
