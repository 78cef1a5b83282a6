package org.lomospark.pipeline.train;

import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.prepare.TrainShard;
import org.lomospark.datasets.prepare.TrainShardWriter;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.trainer.checkpoint.CheckpointExport;
import org.lomospark.trainer.checkpoint.LocalCheckpointStore;
import java.util.Map;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.io.SafetensorsFile;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.recipe.BaseModel;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.Settings;
import org.lomospark.trainer.tensor.Placement;

/** The barrier training stage on local[2]: two data-parallel ranks, checkpoints, and a retried stage. */
class TrainStageTest {
    private static SparkSession spark;
    @TempDir
    static Path dir;
    private static Path prepared;

    @BeforeAll
    static void start() throws Exception {
        // 2 slots; a failed task may be retried
        spark = LocalSpark.builder("TrainStageTest", "local[2,4]")
                .getOrCreate();
        prepared = dir.resolve("prepared");
        // the samples live in the datasets jar: copy the two train files out
        Path samples = dir.resolve("samples");
        for (String task : List.of("BoolQ", "RTE")) {
            Files.createDirectories(samples.resolve(task));
            try (var in = TrainStageTest.class.getResourceAsStream("/samples/superglue/" + task + "/train.jsonl")) {
                Files.copy(in, samples.resolve(task).resolve("train.jsonl"));
            }
        }
        PrepareStage.run(spark, PrepareSpec.builder(prepared.toString())
                .superGlue(samples.toString(), List.of(SuperGlueTask.BOOLQ, SuperGlueTask.RTE), List.of(Split.TRAIN))
                .maxLength(129).shards(2).build());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static TrainSpec spec(Path checkpoints, int dp, long failAt) {
        return spec(checkpoints, dp, 1, failAt);
    }

    private static TrainSpec spec(Path checkpoints, int dp, int tp, long failAt) {
        return spec(prepared, checkpoints, dp, tp, failAt);
    }

    private static TrainSpec spec(Path data, Path checkpoints, int dp, int tp, long failAt) {
        return spec(data, checkpoints, dp, tp, failAt, 128);
    }

    private static TrainSpec spec(Path data, Path checkpoints, int dp, int tp, long failAt, int seq) {
        Recipe recipe = Settings.named(Map.ofEntries(Map.entry("seed", 7), Map.entry("dp", dp), Map.entry("tp", tp),
                Map.entry("steps", 8), Map.entry("batch", 2), Map.entry("lr", 0.05), Map.entry("warmup", 2),
                Map.entry("clip-norm", 0), Map.entry("save-every", 2), Map.entry("keep-last", 2),
                Map.entry("threads", 1), Map.entry("rendezvous-timeout", "60s")), n -> n, data.toString(), seq);
        return new TrainSpec(recipe, checkpoints.toString(), new ByteTokenizer().pad(), failAt,
                HadoopSettings.of(spark.sparkContext().hadoopConfiguration()));
    }

    @Test
    void aRetriedStageResumesFromTheLastCommitAndEndsWithTheSameWeights() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        Path a = dir.resolve("a");
        TrainStage.Outcome straight = TrainStage.run(spark, spec(a, 2, 0), out, dir.resolve("a.jsonl"));
        assertEquals(8, straight.lastStep());
        assertEquals(2, straight.ranks().size());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("step 8/8  loss "), log::toString);

        Path b = dir.resolve("b");
        TrainStage.Outcome retried = TrainStage.run(spark, spec(b, 2, 5), out, dir.resolve("b.jsonl"));
        assertEquals(8, retried.lastStep());
        assertEquals(straight.lastLoss(), retried.lastLoss(), 0.0);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps(dir.resolve("b.jsonl")),
                "steps 1-4 before the failure, 5-8 after the retry resumed from step 4: none lost, none twice");
        for (int rank = 0; rank < 2; rank++) {
            Path shard = Path.of("step-00000008", String.format("rank-%05d", rank), "model.safetensors");
            assertArrayEquals(Files.readAllBytes(a.resolve(shard)), Files.readAllBytes(b.resolve(shard)),
                    "rank " + rank + " weights bit for bit");
        }
        try (Stream<Path> kept = Files.list(b)) {
            assertEquals(List.of("step-00000006", "step-00000008"), kept.map(p -> p.getFileName().toString())
                    .sorted().toList());
        }
    }

    @Test
    void twoTensorParallelRanksTrainTheSameModelAsOne() throws Exception {
        Path one = dir.resolve("tp1");
        Path two = dir.resolve("tp2");
        TrainStage.Outcome a = TrainStage.run(spark, spec(one, 1, 1, 0), System.out, null);
        TrainStage.Outcome b = TrainStage.run(spark, spec(two, 1, 2, 0), System.out, null);
        assertEquals(a.lastLoss(), b.lastLoss(), 1e-5);
        // the two ranks' slices, exported into one Hugging Face directory, are the tp 1 run's whole tensors
        Path exported = dir.resolve("tp2-export");
        CheckpointExport.export(new LocalCheckpointStore(two), 8, exported);
        Path whole = one.resolve("step-00000008/rank-00000/model.safetensors");
        try (PointerScope scope = new PointerScope();
             SafetensorsFile reference = SafetensorsFile.open(whole);
             HfCheckpoint joined = HfCheckpoint.open(exported)) {
            double diff = 0;
            double norm = 0;
            for (String name : reference.names()) {
                Tensor full = reference.read(name);
                diff += joined.read(name).sub(full).square().sum().item_double();
                norm += full.square().sum().item_double();
            }
            assertTrue(Math.sqrt(diff / norm) < 1e-5, "tp 2 exported differs from tp 1 by " + Math.sqrt(diff / norm));
            assertTrue(Files.exists(exported.resolve("config.json")));
        }
    }

    @Test
    void aLayoutTheClusterOrTheDataCannotHoldFailsBeforeAnyTask() {
        IllegalArgumentException slots = assertThrows(IllegalArgumentException.class,
                () -> TrainStage.run(spark, spec(dir.resolve("c"), 3, 0), System.out, null));
        assertTrue(slots.getMessage().contains("has 2 trainer shards, fewer than dp 3"), slots::getMessage);
        // local[2] runs two tasks at once; a barrier stage of four could never start
        IllegalArgumentException world = assertThrows(IllegalArgumentException.class,
                () -> TrainStage.run(spark, spec(dir.resolve("d"), 2, 2, 0), System.out, null));
        assertTrue(world.getMessage().contains("dp 2 x tp 2 needs 4 task slots at once")
                && world.getMessage().contains("has 2"), world::getMessage);
    }

    @Test
    void aDataParallelRankWithoutRowsFailsBeforeAnyTask() throws Exception {
        // two shards, the second empty (as packing a small sample into few rows leaves them): rank 1 has nothing
        Path sparse = dir.resolve("sparse");
        ByteTokenizer bytes = new ByteTokenizer();
        org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(
                spark.sparkContext().hadoopConfiguration());
        org.apache.hadoop.fs.Path shards = new org.apache.hadoop.fs.Path(sparse.resolve(TrainShard.DIR).toUri());
        int[] tokens = {bytes.bos(), 72, 105, bytes.eos()};
        boolean[] mask = {false, true, true, true};
        List<Manifest.Shard> entries = List.of(
                TrainShardWriter.writeShard(fs, shards, 0, List.of(new TrainingExample("t", "a", tokens, mask),
                        new TrainingExample("t", "b", tokens, mask)).iterator()),
                TrainShardWriter.writeShard(fs, shards, 1, java.util.Collections.emptyIterator()));
        Manifest.ofShards("byte", bytes, 128, tokens.length, entries)
                .write(fs, new org.apache.hadoop.fs.Path(sparse.resolve(Manifest.FILE_NAME).toUri()));
        Path checkpoints = dir.resolve("sparse-checkpoints");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainStage.run(spark, spec(sparse, checkpoints, 2, 1, 0), System.out, null));
        assertTrue(e.getMessage().contains("data-parallel rank 1 of dp 2 gets no rows"), e::getMessage);
        assertTrue(e.getMessage().contains("2 train rows in 2 shards"), e::getMessage);
        assertFalse(Files.exists(checkpoints), "no task ran");
    }

    @Test
    void aBaseModelOnAHadoopPathTrainsAsTheSameModelOnLocalDiskAndAMissingOneFailsBeforeAnyTask()
            throws Exception {
        Path base = dir.resolve("base");
        Files.createDirectories(base);
        try (PointerScope scope = new PointerScope();
             LlamaModel m = LlamaModel.create(LlamaConfig.preset("tiny"), Placement.cpu(torch.ScalarType.Float), 99)) {
            m.config().writeTo(base, "float32");
            HfCheckpoint.save(base, m.namedParameters(), 1L << 30);
        }
        TrainStage.Outcome local = TrainStage.run(spark, from(base.toString(), dir.resolve("init-local")), System.out,
                null);
        TrainStage.Outcome hadoop = TrainStage.run(spark, from(base.toUri().toString(), dir.resolve("init-uri")),
                System.out, null);
        assertEquals(8, hadoop.lastStep());
        assertEquals(local.lastLoss(), hadoop.lastLoss(), 0.0, "the copied base model is the same model");
        TrainStage.Outcome random = TrainStage.run(spark, spec(dir.resolve("init-none"), 1, 0), System.out, null);
        assertTrue(random.lastLoss() != local.lastLoss(), "the base model was used");

        for (String missing : List.of(dir.resolve("nowhere").toString(), dir.resolve("nowhere").toUri().toString())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrainStage.run(spark, from(missing, dir.resolve("init-missing")), System.out, null));
            assertTrue(e.getMessage().startsWith("model.init-from " + missing + " does not exist"), e::getMessage);
            assertFalse(Files.exists(dir.resolve("init-missing")), "no task ran");
        }
    }

    /** One rank training from the base model at {@code initFrom}. */
    private static TrainSpec from(String initFrom, Path checkpoints) {
        TrainSpec plain = spec(checkpoints, 1, 0);
        return new TrainSpec(plain.recipe().withModel(new BaseModel("tiny", initFrom)), plain.checkpoints(),
                plain.padId(), 0, plain.hadoop());
    }

    @Test
    void anErrorNoRetryCanFixEndsTheStageWithoutARetry() throws Exception {
        // rows of up to 129 tokens in batches of 17: every attempt of every rank refuses the data
        java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();
        org.apache.spark.scheduler.SparkListener count = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
                if (submitted.stageInfo().attemptNumber() > 0) {
                    retries.incrementAndGet();
                }
            }
        };
        spark.sparkContext().addSparkListener(count);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrainStage.run(spark, spec(prepared, dir.resolve("short-rows"), 2, 1, 0, 16), System.out,
                            null));
            assertTrue(e.getMessage().startsWith("training stopped without a retry (a retry cannot fix this): rank "),
                    e::getMessage);
            assertTrue(e.getMessage().contains("tokens"), e::getMessage);
        } finally {
            spark.sparkContext().listenerBus().waitUntilEmpty();
            spark.sparkContext().removeSparkListener(count);
        }
        assertEquals(0, retries.get(), "no stage was retried");
    }

    private static List<Long> steps(Path metrics) throws Exception {
        return Files.readAllLines(metrics).stream()
                .map(l -> Long.parseLong(l.substring("{\"step\":".length(), l.indexOf(','))))
                .toList();
    }
}
