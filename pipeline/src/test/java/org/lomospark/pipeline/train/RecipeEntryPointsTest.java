package org.lomospark.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.pipeline.config.PipelineConfig;
import org.lomospark.pipeline.data.ShardTokenSource;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.trainer.cli.TrainerCli;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.io.SafetensorsFile;
import org.lomospark.trainer.recipe.DataLayout;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.TrainingParts;

/**
 * The same settings train the same weights whichever entry point gives them: the pipeline's training stage (HOCON
 * settings, a Spark barrier task) against the trainer CLI's recipe built in this JVM, on the same prepared shards,
 * for the capabilities the pipeline did not reach before (strategy hook, weight decay, clip-by-value, a cosine
 * schedule, AdaLomo, micro-batches, f16 with the loss scaler).
 */
class RecipeEntryPointsTest {
    private static SparkSession spark;
    @TempDir
    static Path dir;
    private static Path prepared;
    private static int seq;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.builder("RecipeEntryPointsTest", "local[1]").getOrCreate();
        prepared = dir.resolve("prepared");
        Path samples = dir.resolve("samples");
        Files.createDirectories(samples.resolve("BoolQ"));
        try (var in = RecipeEntryPointsTest.class.getResourceAsStream("/samples/superglue/BoolQ/train.jsonl")) {
            Files.copy(in, samples.resolve("BoolQ").resolve("train.jsonl"));
        }
        Manifest m = PrepareStage.run(spark, PrepareSpec.builder(prepared.toString())
                .superGlue(samples.toString(), List.of(SuperGlueTask.BOOLQ), List.of(Split.TRAIN))
                .maxLength(97).shards(1).build());
        seq = m.longestRow() - 1;
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void hookStrategyWeightDecayClipByValueAndACosineScheduleTrainTheSameWeights() throws Exception {
        sameWeights("lomo-hook", List.of("optimizer", "lomo", "strategy", "hook", "weight-decay", "0.05",
                "clip-value", "0.02", "schedule", "cosine", "warmup", "2", "min-lr", "0.01", "clip-norm", "0",
                "lr", "0.3"), 0.0);
    }

    @Test
    void adaLomoWithMicroBatchesAndClippingTrainsTheSameWeights() throws Exception {
        sameWeights("adalomo", List.of("optimizer", "adalomo", "strategy", "block", "micro-batches", "2",
                "weight-decay", "0.01", "schedule", "cosine", "warmup", "1", "clip-norm", "1.0", "lr", "0.01"), 0.0);
    }

    @Test
    void f16WithTheDynamicLossScalerTrainsThroughThePipeline() throws Exception {
        List<String> metrics = sameWeights("f16", List.of("dtype", "f16", "clip-norm", "1.0", "lr", "0.3"), 0.0);
        assertTrue(metrics.get(0).contains("\"loss_scale\":65536.0"), metrics.get(0));
    }

    /**
     * Trains 6 steps of {@code settings} (name, value pairs) through the training stage and through the CLI's
     * recipe, and checks every tensor agrees within {@code tolerance}. Returns the stage's metrics lines.
     */
    private static List<String> sameWeights(String name, List<String> settings, double tolerance) throws Exception {
        List<String> overrides = new ArrayList<>(List.of("run-dir=" + dir.resolve(name), "prepare.shards=1",
                "prepare.max-length=97", "train.dp=1", "train.steps=6", "train.batch=2", "train.seed=5",
                "train.threads=1", "train.save-every=0"));
        List<String> options = new ArrayList<>(List.of("--data", prepared.toString(), "--seq", Integer.toString(seq),
                "--steps", "6", "--batch", "2", "--seed", "5", "--threads", "1", "--save-every", "0"));
        for (int i = 0; i < settings.size(); i += 2) {
            overrides.add("train." + settings.get(i) + "=" + settings.get(i + 1));
            options.add("--" + settings.get(i));
            options.add(settings.get(i + 1));
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        int pad = new ByteTokenizer().pad();

        // the pipeline: its HOCON, its training stage
        Recipe fromHocon = PipelineConfig.load(List.of(), overrides).recipe();
        Recipe recipe = fromHocon.withData(new DataLayout(prepared.toString(), fromHocon.data().batch(), seq));
        Path checkpoints = dir.resolve(name + "-checkpoints");
        Path metrics = dir.resolve(name + ".jsonl");
        TrainStage.run(spark, new TrainSpec(recipe, checkpoints.toString(), pad, HadoopSettings.of(conf)),
                new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8), metrics);

        // the trainer CLI's recipe, built and run here over the same shards
        Recipe fromCli = TrainerCli.recipe("train", options.toArray(String[]::new));
        assertEquals(recipe, fromCli, "the same recipe from both");
        Path shard = checkpoints.resolve("step-00000006/rank-00000/model.safetensors");
        try (PointerScope scope = new PointerScope();
             TrainingParts parts = TrainingParts.build(fromCli, TrainingParts.placement(fromCli), Group.single(),
                     Group.single(), null);
             ShardTokenSource data = ShardTokenSource.open(conf, ShardTokenSource.listShards(conf,
                     prepared.toString()), 2, seq, pad, 5);
             SafetensorsFile staged = SafetensorsFile.open(shard)) {
            parts.loop(data, null, null, Integer.MAX_VALUE, new PrintStream(OutputStream.nullOutputStream(), true,
                    StandardCharsets.UTF_8)).run();
            Map<String, Tensor> mine = parts.model().namedParameters();
            assertEquals(new java.util.TreeSet<>(mine.keySet()), new java.util.TreeSet<>(staged.names()));
            double worst = 0;
            for (String tensor : staged.names()) {
                Tensor theirs = staged.read(tensor);
                assertEquals(String.valueOf(theirs.scalar_type()), String.valueOf(mine.get(tensor).scalar_type()), tensor);
                worst = Math.max(worst, theirs.to(org.bytedeco.pytorch.global.torch.ScalarType.Double)
                        .sub(mine.get(tensor).to(org.bytedeco.pytorch.global.torch.ScalarType.Double)).abs()
                        .max().item_double());
            }
            assertTrue(worst <= tolerance, name + ": the stage's weights differ from the CLI recipe's by " + worst);
        }
        return Files.readAllLines(metrics);
    }
}
