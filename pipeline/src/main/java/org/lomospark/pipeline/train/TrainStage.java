package org.lomospark.pipeline.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.pipeline.store.ModelDirectory;
import org.lomospark.pipeline.store.RunDir;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.lomospark.pipeline.data.ShardTokenSource;
import org.lomospark.pipeline.eval.EvalCandidates;
import org.lomospark.trainer.engine.TensorBoardLog;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.Settings;

/**
 * The training stage: one Spark barrier stage of {@code dp x tp} tasks, all started together, each one rank
 * ({@link TrainTask}). A failed task makes Spark retry the whole stage (up to
 * {@code spark.stage.maxConsecutiveAttempts}, 4 by default), and the retry resumes from the newest committed
 * checkpoint, so no step is lost and none is trained twice.
 *
 * <pre>
 * TrainStage.Outcome o = TrainStage.run(spark, spec, System.out, runDir.resolve("metrics.jsonl"));
 * </pre>
 */
public final class TrainStage {
    /** One JSON line per step ({@link org.lomospark.trainer.engine.TrainLoop}'s) and its plot, in the run's directory. */
    public static final String METRICS = "metrics.jsonl";
    public static final String LOSS_PLOT = "loss.png";
    /** The TensorBoard log directory: {@code tensorboard --logdir <run-dir>/tensorboard}. */
    public static final String TENSORBOARD = "tensorboard";

    private TrainStage() {}

    /** @param lastStep the newest committed step when the stage ended; {@code lastLoss} that step's loss */
    public record Outcome(long lastStep, double lastLoss, List<TrainTask.Result> ranks) {}

    /**
     * {@link #run} with the run's loss curve in {@code dir}: its {@code metrics.jsonl} (continued where an earlier
     * attempt left it), {@code loss.png} and a TensorBoard events file in {@code tensorboard/}, copied there when
     * {@code dir} is not local. The pipeline's train stage and the fine-tuner's fit both train this way.
     */
    public static Outcome runInto(RunDir dir, SparkSession spark, TrainSpec spec, PrintStream out)
            throws IOException {
        dir.fetch(METRICS);
        Outcome o = run(spark, spec, out, dir.local(METRICS), dir.local(TENSORBOARD));
        LossCurve.write(dir.local(METRICS), dir.local(LOSS_PLOT));
        dir.publish(METRICS);
        dir.publish(LOSS_PLOT);
        // file by file: earlier stages' events files stay beside this one's, as TensorBoard reads them
        try (var files = java.nio.file.Files.list(dir.local(TENSORBOARD))) {
            for (Path f : files.toList()) {
                dir.publish(TENSORBOARD + "/" + f.getFileName());
            }
        }
        out.printf("        loss curve %s%n", dir.path(LOSS_PLOT));
        return o;
    }

    /** {@link #run(SparkSession, TrainSpec, PrintStream, Path, Path)} with no TensorBoard log. */
    public static Outcome run(SparkSession spark, TrainSpec spec, PrintStream out, Path metrics) throws IOException {
        return run(spark, spec, out, metrics, null);
    }

    /**
     * Trains: {@code metrics} gets each step's line (null: none), and {@code tensorBoard} (a directory; null: none)
     * a new events file with the recipe's hyper-parameters and each step's scalars ({@link TensorBoardLog}).
     */
    public static Outcome run(SparkSession spark, TrainSpec spec, PrintStream out, Path metrics, Path tensorBoard)
            throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        check(jsc, spec);
        String driverHost = spark.conf().get("spark.driver.host", "127.0.0.1");
        Recipe recipe = spec.recipe();
        out.printf("training: %d tasks (dp %d x tp %d), model %s, %d steps; %s, %s, strategy %s, %s %s%n",
                spec.world(), recipe.runtime().dp(), recipe.runtime().tp(), recipe.model().preset(),
                recipe.hyper().steps(), recipe.hyper().optimizer().settingName(),
                recipe.hyper().schedule().settingName(), recipe.runtime().strategy().settingName(),
                recipe.runtime().device(), recipe.runtime().dtype());
        try (Progress progress = Progress.start(driverHost, recipe.hyper().steps(), out, metrics, Duration.ofSeconds(5));
                TensorBoardLog tb = tensorBoard == null ? null : TensorBoardLog.open(tensorBoard,
                        Settings.values(recipe))) {
            progress.tensorBoard(tb);
            Broadcast<List<Row>> heldOut = null;
            if (spec.heldOut() != null) {
                // the gold answers travel to every task once; each replica scores its share
                List<Row> gold = EvalCandidates.goldRows(spark.read().parquet(spec.heldOut().table()),
                        spec.heldOut().split());
                if (gold.isEmpty()) {
                    throw new IllegalArgumentException(spec.heldOut().table() + " has no gold answers in split "
                            + spec.heldOut().split() + " to measure a validation loss on (eval-every "
                            + spec.heldOut().every() + "): prepare a labeled split, or set eval-every = 0");
                }
                heldOut = jsc.broadcast(new ArrayList<>(gold));
            }
            TrainTask task = new TrainTask(spec, progress.address(), heldOut);
            // a rank's error that no retry can fix cancels the stage (its job group) instead of being retried
            String group = "lomo-train-" + java.util.UUID.randomUUID();
            jsc.setJobGroup(group, "lomo-spark training", true);
            progress.onFatal(message -> jsc.sc().cancelJobGroup(group));
            List<TrainTask.Result> results;
            try {
                // Spark retries a failed barrier stage only when it is a shuffle map stage (a failed barrier result
                // stage is aborted): the shuffle after it makes the training stage one.
                results = new ArrayList<>(BarrierRendezvous.stage(jsc, spec.world(), TrainTask.Result.class,
                        () -> List.of(task.run())).repartition(1).collect());
            } catch (Exception e) { // collect throws SparkException, checked, undeclared
                if (progress.fatal() != null) {
                    throw new IllegalArgumentException("training stopped without a retry (a retry cannot fix "
                            + "this): " + progress.fatal(), e);
                }
                throw e;
            } finally {
                jsc.clearJobGroup();
            }
            results.sort(java.util.Comparator.comparingInt(TrainTask.Result::rank));
            if (!recipe.runtime().device().equals("cpu")) {
                for (TrainTask.Result r : results) {
                    out.printf("rank %d ran on %s of executor %s%n", r.rank(), r.device(), r.executor());
                }
            }
            TrainTask.Result zero = results.get(0);
            return new Outcome(zero.lastStep(), zero.lastLoss(), results);
        }
    }

    /** Fails before any task starts: a layout the data or the cluster cannot hold. */
    private static void check(JavaSparkContext jsc, TrainSpec spec) throws IOException {
        Configuration conf = spec.hadoop().configuration();
        List<Manifest.Shard> listed = ShardTokenSource.manifest(conf, spec.prepared()).shards();
        int shards = listed.size();
        int dp = spec.recipe().runtime().dp();
        if (shards < dp) {
            throw new IllegalArgumentException(spec.prepared() + " has " + shards + " trainer shards, fewer than dp "
                    + dp + ": every data-parallel rank needs at least one (prepare with --shards " + dp
                    + " or more)");
        }
        String initFrom = spec.recipe().model().initFrom();
        if (initFrom != null) {
            // a Hadoop path is read by every task, so the driver sees what they will; a plain path is each
            // executor's own disk, which in local mode is this one
            boolean there = ModelDirectory.isHadoopPath(initFrom)
                    ? new org.apache.hadoop.fs.Path(initFrom).getFileSystem(conf).exists(
                            new org.apache.hadoop.fs.Path(initFrom))
                    : !jsc.sc().isLocal() || java.nio.file.Files.isDirectory(java.nio.file.Path.of(initFrom));
            if (!there) {
                throw new IllegalArgumentException("model.init-from " + initFrom + " does not exist (a Hugging Face "
                        + "checkpoint directory: a Hadoop path such as s3a://bucket/models/llama-7b, or a directory"
                        + " on every executor's local disk)");
            }
        }
        // shard s is rank s mod dp's: a rank whose shards are all empty would fail inside its barrier task, retried
        long[] examples = new long[dp];
        for (int s = 0; s < listed.size(); s++) {
            examples[s % dp] += listed.get(s).examples();
        }
        for (int rank = 0; rank < dp; rank++) {
            if (examples[rank] == 0) {
                long total = listed.stream().mapToLong(Manifest.Shard::examples).sum();
                throw new IllegalArgumentException(spec.prepared() + ": data-parallel rank " + rank + " of dp " + dp
                        + " gets no rows (its shards " + rank + ", " + (rank + dp) + "... hold none; " + total
                        + " train rows in " + listed.size() + " shards): train with a smaller dp, or prepare more"
                        + " data (with packing, fewer rows come out than examples go in)");
            }
        }
        // Local mode's slots are known up front. On a cluster, executors may still be registering (the count so far
        // says nothing), and Spark's own barrier check waits for enough slots and fails with its reason if none come.
        int slots = jsc.sc().defaultParallelism();
        if (jsc.sc().isLocal() && spec.world() > slots) {
            throw new IllegalArgumentException("dp " + dp + " x tp " + spec.recipe().runtime().tp() + " needs "
                    + spec.world()
                    + " task slots at once (a barrier stage starts all its tasks together); this Spark application"
                    + " has " + slots);
        }
    }
}
