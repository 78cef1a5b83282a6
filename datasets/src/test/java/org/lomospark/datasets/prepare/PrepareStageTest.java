package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * End to end on local[2], loopback only: the shipped samples, reruns, a fixture with broken lines, and the trainer
 * shards (they share this Spark session).
 */
class PrepareStageTest {
    private static final List<SuperGlueTask> TASKS = List.of(SuperGlueTask.BOOLQ, SuperGlueTask.COPA,
            SuperGlueTask.RTE);
    private static final List<Split> SPLITS = List.of(Split.values());

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("PrepareStageTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private static String samples() throws Exception {
        return Path.of(PrepareStageTest.class.getResource("/samples/superglue").toURI()).toString();
    }

    private static PrepareSpec spec(String input, Path out, double maxBad, boolean force) {
        return PrepareSpec.builder(out.toString()).superGlue(input, TASKS, SPLITS).maxBadFraction(maxBad)
                .force(force).build();
    }

    private static PrepareSpec.Builder samplesTo(Path out, List<SuperGlueTask> tasks) throws Exception {
        return PrepareSpec.builder(out.toString()).superGlue(samples(), tasks, SPLITS).maxBadFraction(0.05);
    }

    private static Dataset<Row> table(Path out, String name) {
        return spark.read().parquet(out.resolve(name).toString());
    }

    private static List<String> sortedRows(Path out, String name) {
        return table(out, name).collectAsList().stream().map(Row::toString).sorted().toList();
    }

    @Test
    void samplesBecomeTrainEvalAndManifest() throws Exception {
        Path out = dir.resolve("prepared");
        Manifest m = PrepareStage.run(spark, spec(samples(), out, 0.05, false));

        // Parquet reads every column back as nullable: compare names and types
        assertEquals("struct<task:string,id:string,tokens:array<int>,loss_mask:array<boolean>,length:int,"
                + "segments:array<int>>",
                table(out, "train").schema().simpleString());
        assertEquals("struct<task:string,split:string,group:string,candidate:int,gold:int,tokens:array<int>,"
                + "answer_start:int,length:int,padded_length:int,question:string,label:string,"
                + "gold_labels:array<string>>", table(out, "eval").schema().simpleString());
        assertEquals("struct<file:string,line:bigint,reason:string>", table(out, "quarantine").schema().simpleString());

        // samples: 12 train, 6 val, 4 test lines per task; one training row per record, two candidates per question
        assertEquals(36, table(out, "train").count());
        assertEquals(3 * (6 + 4) * 2, table(out, "eval").count());
        assertEquals(0, table(out, "quarantine").count());
        assertEquals(4 * 2 * 3, table(out, "eval").where("split = 'test' AND gold = -1").count());

        String json = Files.readString(out.resolve("manifest.json"));
        assertTrue(json.contains("\"schema_version\" : 5") && json.contains("\"tokenizer_fingerprint\""), json);
        assertEquals(Manifest.SCHEMA_VERSION, m.schemaVersion());
        assertEquals("byte-utf8-v1", m.tokenizerFingerprint());
        assertEquals(3 * 22, m.records());
        assertEquals(0, m.bad());
        assertEquals(36, m.trainRows());
        assertEquals(60, m.evalRows());
        assertEquals(9, m.sources().size());
        for (Manifest.Source s : m.sources()) {
            Path file = Path.of(samples(), s.task(), s.split() + ".jsonl");
            assertEquals(Files.readAllLines(file).size(), s.records(), s::toString);
            assertEquals(Files.size(file), s.bytes(), s::toString);
        }
        Row stats = table(out, "train").select("length").union(table(out, "eval").select("length"))
                .selectExpr("sum(length)", "max(length)").first();
        assertEquals(stats.getLong(0), m.totalTokens());
        assertEquals(stats.getInt(1), m.longestRow());
        // data of another layout version is refused by name, never read as this one
        Path older = out.resolveSibling(out.getFileName() + "-older-manifest.json");
        Files.writeString(older, json.replace("\"schema_version\" : 5", "\"schema_version\" : 4"));
        IllegalArgumentException version = assertThrows(IllegalArgumentException.class, () -> Manifest.read(
                org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration()),
                new org.apache.hadoop.fs.Path(older.toUri())));
        assertTrue(version.getMessage().contains(older.getFileName() + ": schema_version 4, this code reads 5: "
                + "prepare the data again"), version.getMessage());

        for (Row r : table(out, "train").collectAsList()) {
            List<Integer> tokens = r.getList(2);
            List<Boolean> mask = r.getList(3);
            assertEquals(tokens.size(), mask.size());
            assertEquals(tokens.size(), r.getInt(4));
            assertTrue(mask.contains(true), r::toString);
            assertFalse(mask.get(0) || mask.get(mask.size() - 1), "bos and eos are never in the loss");
        }
    }

    @Test
    void twoRunsWriteTheSameRows() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        assertEquals(PrepareStage.run(spark, spec(samples(), a, 0.05, false)),
                PrepareStage.run(spark, spec(samples(), b, 0.05, false)));
        for (String t : List.of("train", "eval", "quarantine")) {
            assertEquals(sortedRows(a, t), sortedRows(b, t), t);
        }
        for (int s = 0; s < PrepareSpec.DEFAULT_SHARDS; s++) {
            String shard = "shards/" + TrainShard.fileName(s);
            assertArrayEquals(Files.readAllBytes(a.resolve(shard)), Files.readAllBytes(b.resolve(shard)), shard);
        }
    }

    @Test
    void eachShardHoldsTheRowsOfItsTrainPartInTheSameOrder() throws Exception {
        Path out = dir.resolve("prepared");
        Manifest m = PrepareStage.run(spark, spec(samples(), out, 0.05, false));
        int n = PrepareSpec.DEFAULT_SHARDS;

        assertEquals(List.of("shard-00000.arrow", "shard-00001.arrow", "shard-00002.arrow", "shard-00003.arrow"),
                m.shards().stream().map(Manifest.Shard::file).toList());
        assertEquals(m.trainRows(), m.shards().stream().mapToLong(Manifest.Shard::examples).sum());
        assertEquals(table(out, "train").selectExpr("sum(length)").first().getLong(0),
                m.shards().stream().mapToLong(Manifest.Shard::tokens).sum());
        var fs = new org.apache.hadoop.fs.Path(out.toUri()).getFileSystem(spark.sparkContext().hadoopConfiguration());
        int nonEmpty = 0;
        for (int s = 0; s < n; s++) {
            Manifest.Shard entry = m.shards().get(s);
            Path file = out.resolve("shards").resolve(entry.file());
            // shard s and train part s come from the same shuffle partition; an empty one writes no part
            List<Row> part = trainPart(out, s);
            try (TrainShard local = TrainShard.open(file);
                 TrainShard hadoop = TrainShard.open(fs, new org.apache.hadoop.fs.Path(file.toUri()))) {
                assertEquals(entry.examples(), local.size());
                assertEquals(part.size(), local.size(), entry.file());
                nonEmpty += local.size() > 0 ? 1 : 0;
                IntBuffer data = local.tokenData();
                assertEquals(entry.tokens(), data.remaining(), "one contiguous buffer of all the shard's tokens");
                for (int i = 0; i < local.size(); i++) {
                    Row r = part.get(i);
                    String where = r.getString(0) + "/" + r.getString(1);
                    assertEquals(r.getString(0), local.task(i));
                    assertEquals(r.getString(1), local.id(i));
                    int[] tokens = local.tokens(i);
                    boolean[] mask = local.lossMask(i);
                    assertEquals(r.getList(2), Arrays.stream(tokens).boxed().toList(), where);
                    List<Boolean> maskList = new ArrayList<>();
                    for (boolean b : mask) {
                        maskList.add(b);
                    }
                    assertEquals(r.getList(3), maskList, where);
                    for (int j = 0; j < tokens.length; j++) {
                        assertEquals(tokens[j], data.get(local.start(i) + j), where);
                    }
                    assertArrayEquals(tokens, hadoop.tokens(i), where);
                    assertArrayEquals(mask, hadoop.lossMask(i), where);
                }
            }
        }
        assertEquals(n, nonEmpty, "36 rows over 4 shards by key: none is empty");
    }

    /** The rows of train Parquet part {@code s}, in file order; every part is written, empty or not. */
    private static List<Row> trainPart(Path out, int s) {
        Path part = out.resolve(Table.TRAIN.dir).resolve(TrainParquet.fileName(s, CompressionCodecName.SNAPPY));
        assertTrue(Files.isRegularFile(part), part::toString);
        return spark.read().parquet(part.toString()).collectAsList();
    }

    @Test
    void oneShardTakesEveryRowAndSurplusShardsAreEmpty() throws Exception {
        Path one = dir.resolve("one");
        Manifest m = PrepareStage.run(spark, samplesTo(one, TASKS).shards(1).build());
        assertEquals(List.of(new Manifest.Shard("shard-00000.arrow", 36, m.shards().get(0).tokens())), m.shards());
        try (TrainShard shard = TrainShard.open(one.resolve("shards/shard-00000.arrow"))) {
            assertEquals(36, shard.size());
        }

        // COPA alone has 12 train rows: 20 shards give 20 files, at least 8 of them empty, every row once
        Path many = dir.resolve("many");
        m = PrepareStage.run(spark, samplesTo(many, List.of(SuperGlueTask.COPA)).shards(20).build());
        assertEquals(20, m.shards().size());
        assertEquals(12, m.shards().stream().mapToLong(Manifest.Shard::examples).sum());
        long empty = 0;
        for (int s = 0; s < 20; s++) {
            Manifest.Shard entry = m.shards().get(s);
            assertEquals(TrainShard.fileName(s), entry.file());
            try (TrainShard shard = TrainShard.open(many.resolve("shards").resolve(TrainShard.fileName(s)))) {
                assertEquals(entry.examples(), shard.size());
                assertEquals(entry.tokens(), shard.tokenData().remaining());
                empty += shard.size() == 0 ? 1 : 0;
            }
        }
        assertTrue(empty >= 8, "empty shards are files too: " + empty);
    }

    @Test
    void noShardsIsRejectedAndAClosedShardRefusesUse() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> samplesTo(dir, TASKS).shards(0).build());
        assertEquals("shards 0 must be at least 1", e.getMessage());

        Path out = dir.resolve("prepared");
        PrepareStage.run(spark, samplesTo(out, List.of(SuperGlueTask.RTE)).shards(1).build());
        TrainShard shard = TrainShard.open(out.resolve("shards/shard-00000.arrow"));
        shard.close();
        shard.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> shard.tokens(0));
        assertTrue(closed.getMessage().endsWith("is closed"), closed::getMessage);
    }

    @Test
    void rerunOverAFinishedOutputIsANoOp() throws Exception {
        Path out = dir.resolve("prepared");
        Manifest first = PrepareStage.run(spark, spec(samples(), out, 0.05, false));
        List<String> before = listing(out);
        long written = Files.getLastModifiedTime(out.resolve("manifest.json")).toMillis();

        // a different spec would change the manifest: only the existing one coming back proves no work was done
        PrepareSpec other = samplesTo(out, List.of(SuperGlueTask.CB)).build();
        assertEquals(first, PrepareStage.run(spark, other));
        assertEquals(before, listing(out));
        assertEquals(written, Files.getLastModifiedTime(out.resolve("manifest.json")).toMillis());
    }

    @Test
    void badLinesGoToQuarantineUnderTheLimit() throws Exception {
        Path input = brokenBoolQ();
        Path out = dir.resolve("prepared");
        Manifest m = PrepareStage.run(spark, spec(input.toString(), out, 0.1, false));

        assertEquals(2, m.bad());
        List<Row> bad = table(out, "quarantine").orderBy("line").collectAsList();
        assertEquals(2, bad.size());
        assertTrue(bad.get(0).getString(0).endsWith("BoolQ/train.jsonl"), bad.get(0)::toString);
        assertEquals(13, bad.get(0).getLong(1));
        assertTrue(bad.get(0).getString(2).startsWith("not valid JSON"), bad.get(0)::toString);
        assertEquals(15, bad.get(1).getLong(1), "the blank line 14 is counted, not quarantined");
        assertTrue(bad.get(1).getString(2).contains("passage"), bad.get(1)::toString);
        assertEquals(12, table(out, "train").where("task = 'BoolQ'").count());
    }

    @Test
    void tooManyBadLinesFailAndLeaveNoOutput() throws Exception {
        Path input = brokenBoolQ();
        Path out = dir.resolve("prepared");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PrepareStage.run(spark, spec(input.toString(), out, 0.025, false)));

        // 2 bad among 66 good lines: BoolQ 12 train + 6 val + 4 test, the same for COPA and RTE
        assertTrue(e.getMessage().contains("bad fraction 0.0294 (2 quarantined of 68 lines)"), e::getMessage);
        assertTrue(e.getMessage().contains("maxBadFraction 0.0250"), e::getMessage);
        assertTrue(e.getMessage().contains("BoolQ/train.jsonl:13: not valid JSON"), e::getMessage);
        try (Stream<Path> top = Files.list(dir)) {
            assertEquals(List.of("input"), top.map(p -> p.getFileName().toString()).toList(),
                    "no output and no temporary sibling");
        }
    }

    /** The samples with two bad lines (and a blank one) appended to BoolQ/train.jsonl. */
    private Path brokenBoolQ() throws Exception {
        Path input = dir.resolve("input");
        for (SuperGlueTask task : TASKS) {
            Files.createDirectories(input.resolve(task.dirName()));
            for (Split split : SPLITS) {
                Files.copy(Path.of(samples(), task.dirName(), split.fileName()),
                        input.resolve(task.dirName()).resolve(split.fileName()));
            }
        }
        Files.writeString(input.resolve("BoolQ/train.jsonl"), "{\"idx\": 12, \"question\": \n\n"
                + "{\"idx\": 13, \"question\": \"is it\", \"label\": true}\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        return input;
    }

    private static List<String> listing(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
