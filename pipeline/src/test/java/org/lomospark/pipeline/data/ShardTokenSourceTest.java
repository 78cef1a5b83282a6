package org.lomospark.pipeline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.pipeline.cli.BundledSamples;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.model.LmHead;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Arrow shards read back into tensors: the hand-written SuperGLUE samples (BoolQ, COPA, RTE: rows of many
 * lengths) prepared once on local Spark into three shards, then compared token by token with the Parquet rows.
 */
class ShardTokenSourceTest {
    private static final List<SuperGlueTask> TASKS = List.of(SuperGlueTask.BOOLQ, SuperGlueTask.COPA,
            SuperGlueTask.RTE);
    private static final int SHARDS = 3;
    private static final int PAD = 258;

    @TempDir
    static Path dir;

    private static SparkSession spark;
    private static Configuration conf;
    private static Manifest manifest;
    private static List<org.apache.hadoop.fs.Path> shards;
    /** The Parquet train rows by (task, id). */
    private static Map<List<String>, Row> train;

    @BeforeAll
    static void prepare() throws Exception {
        spark = LocalSpark.start("ShardTokenSourceTest");
        conf = spark.sparkContext().hadoopConfiguration();
        String prepared = dir.resolve("prepared").toString();
        manifest = PrepareStage.run(spark, PrepareSpec.builder(prepared).superGlue(BundledSamples.copy(
                BundledSamples.SUPERGLUE, TASKS, List.of(Split.values()), dir.resolve("input")).toString(), TASKS, List.of(Split.TRAIN)).maxBadFraction(0)
                .shards(SHARDS).build());
        shards = ShardTokenSource.listShards(conf, prepared);
        train = new HashMap<>();
        for (Row r : spark.read().parquet(prepared + "/train").collectAsList()) {
            train.put(List.of(r.getString(0), r.getString(1)), r);
        }
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void shardsReadBackIntoTensorsEqualTheParquetTrainRows() throws Exception {
        int seq = manifest.longestRow() - 1;
        int batchSize = 4;
        assertEquals(SHARDS, shards.size());
        Set<List<String>> seen = new HashSet<>();
        for (org.apache.hadoop.fs.Path shard : shards) {
            try (PointerScope scope = new PointerScope();
                 ShardTokenSource source = ShardTokenSource.open(conf, List.of(shard), batchSize, seq, PAD, 3)) {
                int n = source.examples();
                for (long index = 0; index * batchSize < n; index++) {
                    try (Batch b = source.batch(index)) {
                        assertEquals(List.of((long) batchSize, (long) seq), List.of(b.size(), b.seqLen()));
                        long[] ids = longs(b.inputIds());
                        long[] targets = longs(b.targets());
                        long[] attention = b.attentionMask() == null ? null : longs(b.attentionMask());
                        long targetTokens = 0;
                        for (int row = 0; row < batchSize; row++) {
                            ShardTokenSource.ExampleRef ref = source.example(index * batchSize + row);
                            assertEquals(shard.toString(), ref.shard());
                            List<String> key = List.of(ref.task(), ref.id());
                            if (index * batchSize + row < n) {
                                assertTrue(seen.add(key), "twice in one epoch: " + key);
                            }
                            Row expected = train.get(key);
                            targetTokens += checkRow(expected, row, seq, ids, targets, attention);
                        }
                        assertEquals(targetTokens, b.targetTokens(), "target tokens of batch " + index);
                    }
                }
            }
        }
        assertEquals(train.keySet(), seen, "one epoch of the shards is every train row once");
    }

    /** Compares row {@code row} of a batch with a Parquet train row; returns the row's target tokens. */
    private static long checkRow(Row expected, int row, int seq, long[] ids, long[] targets, long[] attention) {
        List<Integer> tokens = expected.getList(2);
        List<Boolean> mask = expected.getList(3);
        String where = expected.getString(0) + "/" + expected.getString(1);
        int inputs = tokens.size() - 1;
        long targetTokens = 0;
        for (int t = 0; t < seq; t++) {
            int at = row * seq + t;
            long id = t < inputs ? tokens.get(t) : PAD;
            long target = t < inputs && mask.get(t + 1) ? tokens.get(t + 1) : LmHead.IGNORE_INDEX;
            assertEquals(id, ids[at], where + " input " + t);
            assertEquals(target, targets[at], where + " target " + t);
            if (attention != null) {
                assertEquals(t < inputs ? 1 : 0, attention[at], where + " attention " + t);
            } else {
                assertEquals(seq, inputs, where + ": no attention mask, so no padding");
            }
            targetTokens += target == LmHead.IGNORE_INDEX ? 0 : 1;
        }
        return targetTokens;
    }

    @Test
    void batchIsAPureFunctionOfItsIndexAndEachEpochIsAPermutation() throws Exception {
        int seq = manifest.longestRow() - 1;
        try (PointerScope scope = new PointerScope();
             ShardTokenSource a = ShardTokenSource.open(conf, shards, 5, seq, PAD, 11);
             ShardTokenSource b = ShardTokenSource.open(conf, shards, 5, seq, PAD, 11);
             ShardTokenSource other = ShardTokenSource.open(conf, shards, 5, seq, PAD, 12)) {
            int n = a.examples();
            assertEquals(manifest.trainRows(), n);
            // b reads backwards across epochs, a forwards: the same index gives the same batch
            for (long i = 20; i >= 0; i--) {
                try (Batch x = b.batch(i); Batch y = a.batch(20 - i); Batch z = a.batch(i)) {
                    assertArrayEquals(longs(x.inputIds()), longs(z.inputIds()), "batch " + i);
                    assertArrayEquals(longs(x.targets()), longs(z.targets()), "batch " + i);
                    assertEquals(x.targetTokens(), z.targetTokens());
                }
            }
            List<String> epoch0 = order(a, 0, n);
            List<String> epoch1 = order(a, n, n);
            assertEquals(Set.copyOf(epoch0), Set.copyOf(epoch1), "every epoch holds every example");
            assertEquals(n, Set.copyOf(epoch1).size());
            assertNotEquals(epoch0, epoch1, "each epoch is shuffled anew");
            assertNotEquals(epoch0, order(other, 0, n), "another seed, another order");
        }
    }

    private static List<String> order(ShardTokenSource s, long from, int n) {
        List<String> out = new ArrayList<>();
        for (long p = from; p < from + n; p++) {
            ShardTokenSource.ExampleRef e = s.example(p);
            out.add(e.task() + "/" + e.id());
        }
        return out;
    }

    @Test
    void anExampleLongerThanSeqPlusOneFailsNamingShardAndRow() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardTokenSource.open(conf, shards, 2, 16, PAD, 1));
        assertTrue(e.getMessage().startsWith(shards.get(0) + " row 0 ("), e::getMessage);
        assertTrue(e.getMessage().contains("more than seq len + 1 = 17"), e::getMessage);
    }

    @Test
    void aBatchWithoutPaddingHasNoMaskAndAClosedSourceRefusesBatches() throws Exception {
        // seq = the longest example - 1 and a batch of one: the row of the longest example has no padding
        int seq = manifest.longestRow() - 1;
        ShardTokenSource source = ShardTokenSource.open(conf, shards, 1, seq, PAD, 5);
        try (PointerScope scope = new PointerScope()) {
            boolean sawFull = false;
            for (long i = 0; i < source.examples(); i++) {
                try (Batch b = source.batch(i)) {
                    Row r = train.get(List.of(source.example(i).task(), source.example(i).id()));
                    boolean full = r.getList(2).size() == seq + 1;
                    sawFull |= full;
                    if (full) {
                        assertNull(b.attentionMask());
                    }
                }
            }
            assertTrue(sawFull, "the longest train row fills the batch");
        }
        source.close();
        source.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> source.batch(0));
        assertTrue(closed.getMessage().endsWith("is closed"), closed::getMessage);
    }

    private static long[] longs(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor c = t.to(ScalarType.Long).contiguous();
            long[] out = new long[Math.toIntExact(c.numel())];
            new LongPointer(c.data_ptr()).capacity(out.length).get(out);
            assertEquals(ScalarType.Long, Tensors.dtype(t));
            return out;
        }
    }
}
