package org.lomospark.pipeline.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.TokenizerSpec;
import org.lomospark.datasets.prepare.TrainShard;
import org.lomospark.datasets.testing.LocalSpark;

/**
 * The fine-tuner's shards are written by the executors, one task per shard, in a layout of the rows alone: row i
 * in the order of the ids (a hash of the text) in shard {@code i mod shards}, whatever the DataFrame's
 * partitioning; a refused row fails the write with nothing written.
 */
class TrainingDataTest {
    private static SparkSession spark;
    private static TokenizerSpec.Loaded bytes;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("TrainingDataTest");
        bytes = TokenizerSpec.parse("byte").load(new Configuration());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Dataset<Row> pairs(List<String[]> rows) {
        List<Row> out = new ArrayList<>();
        for (String[] r : rows) {
            out.add(RowFactory.create(r[0], r[1]));
        }
        return spark.createDataFrame(out, new StructType().add("prompt", DataTypes.StringType)
                .add("answer", DataTypes.StringType));
    }

    private static List<String[]> rows(int n) {
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new String[] {"question " + i + " about " + "x".repeat(i % 7) + "?", i % 3 == 0 ? "yes" : "no"});
        }
        return rows;
    }

    /** The key the layout orders by, computed here from its definition: 12 bytes of sha256(prompt \0 answer). */
    private static String id(String[] row) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(row[0].getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(row[1].getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d.digest(), 0, 12);
    }

    @Test
    void theShardsDependOnTheRowsAloneNotOnThePartitioning() throws Exception {
        List<String[]> rows = rows(53);
        Path a = dir.resolve("one-partition");
        Path b = dir.resolve("seven-partitions");
        TrainingData.Written wa = TrainingData.write(spark, pairs(rows).repartition(1), bytes, 64, a.toString(), 3,
                false);
        List<String[]> reversed = new ArrayList<>(rows);
        java.util.Collections.reverse(reversed);
        TrainingData.Written wb = TrainingData.write(spark, pairs(reversed).repartition(7), bytes, 64, b.toString(),
                3, false);
        assertEquals(wa, wb);
        assertEquals(53, wa.rows());

        List<String> ids = new ArrayList<>();
        for (String[] r : rows) {
            ids.add(id(r));
        }
        ids.sort(Comparator.naturalOrder());
        Manifest m = Manifest.read(org.apache.hadoop.fs.FileSystem.getLocal(new Configuration()),
                new org.apache.hadoop.fs.Path(a.resolve(Manifest.FILE_NAME).toUri()));
        assertEquals(3, m.shards().size());
        long tokens = 0;
        for (int s = 0; s < 3; s++) {
            String file = m.shards().get(s).file();
            assertArrayEquals(Files.readAllBytes(a.resolve(TrainShard.DIR).resolve(file)),
                    Files.readAllBytes(b.resolve(TrainShard.DIR).resolve(file)), file);
            try (TrainShard shard = TrainShard.open(a.resolve(TrainShard.DIR).resolve(file))) {
                List<String> expected = new ArrayList<>();
                for (int i = s; i < ids.size(); i += 3) {
                    expected.add(ids.get(i));
                }
                List<String> got = new ArrayList<>();
                for (int i = 0; i < shard.size(); i++) {
                    got.add(shard.id(i));
                    tokens += shard.length(i);
                }
                assertEquals(expected, got, file);
                assertEquals(shard.size(), m.shards().get(s).examples());
            }
        }
        assertEquals(wa.tokens(), tokens);
        assertEquals(wa.tokens(), m.totalTokens());
    }

    @Test
    void aRefusedRowFailsTheWriteAndNothingIsWritten() {
        List<String[]> rows = rows(20);
        rows.add(new String[] {"a prompt whose answer is missing", null});
        rows.add(new String[] {"y".repeat(100), "no"});
        Path out = dir.resolve("refused");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingData.write(spark, pairs(rows).repartition(4), bytes, 64, out.toString(), 2, false));
        assertTrue(e.getMessage().startsWith("2 of 22 rows cannot be trained on, none was dropped"), e.getMessage());
        assertTrue(e.getMessage().contains("null answer"), e.getMessage());
        assertTrue(e.getMessage().contains("over maxLength 64"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
