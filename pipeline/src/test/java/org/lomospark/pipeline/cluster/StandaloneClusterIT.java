package org.lomospark.pipeline.cluster;

import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.trainer.recipe.Settings;
import org.lomospark.trainer.recipe.Recipe;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.testing.StandaloneCluster;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.pipeline.train.TrainStage;

/**
 * Training on a real multi-JVM Spark standalone cluster (Master, Worker and two executors, each its own JVM on
 * loopback; the executors run the shaded application jar over Spark's own classpath, as under spark-submit): the
 * executor process running rank 0 is killed mid-run, Spark retries the barrier stage on a new
 * executor, the retry resumes from the last commit, and the final weights are bit for bit those of an
 * undisturbed run.
 */
class StandaloneClusterIT {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    /** The shaded application jar ({@code package} builds it): what executors run, as under spark-submit. */
    private static final Path APP_JAR = Path.of(System.getProperty("app.jar", "target/missing-app.jar"));
    private static final long STEPS = 60;
    private static final long KILL_AFTER = 14;
    @TempDir
    static Path dir;

    @Test
    void aDataParallelRunWhoseExecutorIsKilledEndsWithTheUndisturbedWeights() throws Exception {
        assertTrue(Files.isRegularFile(APP_JAR), APP_JAR + " is missing: the cluster test runs after package");
        Path prepared = dir.resolve("prepared");
        Path undisturbed = dir.resolve("undisturbed");
        SparkSession local = LocalSpark.builder("StandaloneClusterIT-reference", "local[2]").getOrCreate();
        try {
            prepare(local, prepared);
            assertEquals(STEPS, TrainStage.run(local, spec(local, prepared, undisturbed), System.out, null)
                    .lastStep());
        } finally {
            local.stop();
        }

        Path killed = dir.resolve("killed");
        Path metrics = dir.resolve("killed.jsonl");
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "4g")) {
            SparkSession spark = cluster.session("StandaloneClusterIT", APP_JAR, 2);
            try {
                Tasks tasks = new Tasks();
                spark.sparkContext().addSparkListener(tasks);
                ByteArrayOutputStream log = new ByteArrayOutputStream();
                PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
                CompletableFuture<TrainStage.Outcome> run = CompletableFuture.supplyAsync(() -> {
                    try {
                        return TrainStage.run(spark, spec(spark, prepared, killed), out, metrics);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                // mid-run (steps 1-12 committed at 4, 8, 12), SIGKILL the executor JVM that runs rank 0: it holds
                // the rendezvous store, so rank 1 loses its peer and its store at once
                awaitStep(metrics, KILL_AFTER, run);
                String executor = tasks.rankZeroExecutor();
                ProcessHandle victim = cluster.executor(executor).orElseThrow(
                        () -> new AssertionError("no live JVM for executor " + executor));
                assertTrue(victim.destroyForcibly(), "SIGKILL sent to executor " + executor);
                victim.onExit().get(30, TimeUnit.SECONDS);
                long stepAtKill = lastStep(metrics);

                TrainStage.Outcome outcome = run.get(5, TimeUnit.MINUTES);
                assertEquals(STEPS, outcome.lastStep());
                assertTrue(stepAtKill < STEPS, "the kill landed mid-run, at step " + stepAtKill);
                assertTrue(tasks.removed.contains(executor), "Spark saw executor " + executor + " go: "
                        + tasks.removed);
                assertTrue(tasks.retried(), "the barrier stage ran a second attempt");

                for (int rank = 0; rank < 2; rank++) {
                    Path shard = Path.of(String.format("step-%08d", STEPS), String.format("rank-%05d", rank),
                            "model.safetensors");
                    assertArrayEquals(Files.readAllBytes(undisturbed.resolve(shard)),
                            Files.readAllBytes(killed.resolve(shard)), "rank " + rank + " weights bit for bit");
                }
                List<Long> steps = Files.readAllLines(metrics).stream()
                        .map(StandaloneClusterIT::step).toList();
                assertEquals(java.util.stream.LongStream.rangeClosed(1, STEPS).boxed().toList(), steps,
                        "metrics.jsonl holds each step of the final model once");
                assertTrue(log.toString(StandardCharsets.UTF_8).contains("resumed at step "), log::toString);
            } finally {
                spark.stop();
            }
        }
    }

    private static void prepare(SparkSession spark, Path prepared) throws Exception {
        Path samples = dir.resolve("samples");
        for (String task : List.of("BoolQ", "RTE")) {
            Files.createDirectories(samples.resolve(task));
            try (var in = StandaloneClusterIT.class.getResourceAsStream("/samples/superglue/" + task
                    + "/train.jsonl")) {
                Files.copy(in, samples.resolve(task).resolve("train.jsonl"));
            }
        }
        PrepareStage.run(spark, PrepareSpec.builder(prepared.toString())
                .superGlue(samples.toString(), List.of(SuperGlueTask.BOOLQ, SuperGlueTask.RTE), List.of(Split.TRAIN))
                .maxLength(129).shards(2).build());
    }

    /** dp 2 on one thread per rank, a commit every 4 steps. */
    private static TrainSpec spec(SparkSession spark, Path prepared, Path checkpoints) {
        Recipe recipe = Settings.named(Map.ofEntries(Map.entry("seed", 7), Map.entry("dp", 2), Map.entry("tp", 1),
                Map.entry("steps", STEPS), Map.entry("batch", 2), Map.entry("lr", 0.05), Map.entry("warmup", 2),
                Map.entry("clip-norm", 0), Map.entry("save-every", 4), Map.entry("keep-last", 2),
                Map.entry("threads", 1), Map.entry("rendezvous-timeout", "60s")), n -> n, prepared.toString(), 128);
        return new TrainSpec(recipe, checkpoints.toString(), new ByteTokenizer().pad(),
                HadoopSettings.of(spark.sparkContext().hadoopConfiguration()));
    }

    private static void awaitStep(Path metrics, long step, CompletableFuture<?> run) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (lastStep(metrics) < step) {
            if (run.isDone()) {
                run.get();
                throw new AssertionError("training ended before step " + step);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no step " + step + " within 240 s");
            }
            Thread.sleep(20);
        }
    }

    private static long lastStep(Path metrics) throws Exception {
        if (!Files.exists(metrics)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(metrics);
        return lines.isEmpty() ? 0 : step(lines.get(lines.size() - 1));
    }

    private static long step(String metricsLine) {
        try {
            return JSON.readTree(metricsLine).get("step").asLong();
        } catch (java.io.IOException e) {
            throw new AssertionError("metrics line is not JSON: " + metricsLine, e);
        }
    }

    /** Which executor ran which rank of the barrier stage (its two-task stage), and which executors went. */
    private static final class Tasks extends SparkListener {
        private final Map<Integer, Integer> stageTasks = new ConcurrentHashMap<>();
        private final Map<String, String> rankZero = new ConcurrentHashMap<>();
        private final Set<String> removed = ConcurrentHashMap.newKeySet();

        @Override
        public void onStageSubmitted(SparkListenerStageSubmitted e) {
            stageTasks.put(e.stageInfo().stageId(), e.stageInfo().numTasks());
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart e) {
            if (stageTasks.getOrDefault(e.stageId(), 0) == 2 && e.taskInfo().partitionId() == 0) {
                rankZero.put("attempt " + e.stageAttemptId(), e.taskInfo().executorId());
            }
        }

        @Override
        public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
            removed.add(e.executorId());
        }

        String rankZeroExecutor() {
            String id = rankZero.get("attempt 0");
            if (id == null) {
                throw new AssertionError("no rank 0 task seen: " + rankZero);
            }
            return id;
        }

        boolean retried() {
            return rankZero.keySet().stream().anyMatch(k -> !k.equals("attempt 0"));
        }
    }
}
