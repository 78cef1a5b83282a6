package org.lomospark.pipeline.train;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.lomospark.pipeline.data.ShardTokenSource;
import org.lomospark.pipeline.store.HadoopCheckpointStore;
import org.lomospark.pipeline.store.ModelDirectory;
import org.lomospark.trainer.checkpoint.ShardedCheckpoints;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.data.TokenSource;
import org.lomospark.trainer.dist.Distributed;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.engine.StepResult;
import org.lomospark.trainer.engine.TrainLoop;
import org.lomospark.trainer.io.LocalFiles;
import org.lomospark.trainer.recipe.BaseModel;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.TrainingParts;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Threads;

/**
 * One rank of the training stage, run inside a Spark barrier task: rendezvous, build this rank's model and data,
 * resume from the newest committed checkpoint, train, checkpoint. Partition {@code i} is world rank {@code i}.
 */
final class TrainTask implements Serializable {
    private static final long serialVersionUID = 1L;
    private final TrainSpec spec;
    private final String progress;
    private final Broadcast<List<Row>> heldOut;

    /** @param heldOut the gold answers of {@link TrainSpec#heldOut()}, null for no validation loss */
    TrainTask(TrainSpec spec, String progress, Broadcast<List<Row>> heldOut) {
        this.spec = spec;
        this.progress = progress;
        this.heldOut = heldOut;
    }

    /** What a rank reports back to the driver: @param device where the rank ran ({@code cpu}, {@code cuda:1}); {@code executor} the Spark executor's id */
    record Result(int rank, long firstStep, long lastStep, double lastLoss, String device, String executor)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    Result run() throws Exception {
        Recipe recipe = spec.recipe();
        Mesh mesh = new Mesh(recipe.runtime().dp(), recipe.runtime().tp(), BarrierTaskContext.get().partitionId());
        try {
            Placement placement = TaskDevice.of(BarrierTaskContext.get(), recipe.runtime().device(),
                    recipe.runtime().dtype());
            return BarrierRendezvous.join(mesh, recipe.runtime().rendezvousTimeout(), placement,
                    (groups, host) -> train(mesh, groups, placement));
        } catch (Exception e) {
            if (progress != null && unretryable(e)) {
                // bad settings, bad data, a missing file: the same error on every attempt. The driver cancels
                // the stage on this report; failing now instead would have Spark retry it first.
                Progress.Reporter.fatal(progress, "rank " + mesh.rank() + ": " + e);
                try {
                    Thread.sleep(FATAL_WAIT_MS);
                } catch (InterruptedException killed) {
                    Thread.currentThread().interrupt(); // Spark cancelled the stage: the expected end
                }
            }
            throw e;
        }
    }

    /** How long a rank that reported an unretryable error waits to be cancelled before failing as usual. */
    private static final long FATAL_WAIT_MS = 120_000;

    /**
     * Errors a retry cannot fix: a bad setting or bad data ({@link IllegalArgumentException}) or a missing file,
     * anywhere in the cause chain. Anything else (a lost peer, a killed task, an injected drill) is retried.
     */
    static boolean unretryable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof java.io.FileNotFoundException
                    || t instanceof java.nio.file.NoSuchFileException) {
                return true;
            }
        }
        return false;
    }

    private Result train(Mesh mesh, Distributed d, Placement placement) throws IOException {
        Configuration conf = spec.hadoop().configuration();
        String initFrom = spec.recipe().model().initFrom();
        if (initFrom == null || !ModelDirectory.isHadoopPath(initFrom)) {
            return train(mesh, d, placement, spec.recipe(), conf);
        }
        // a base model on a Hadoop filesystem (s3a://, hdfs://): this task's local copy, removed after
        java.nio.file.Path local = java.nio.file.Files.createTempDirectory("lomo-init-");
        try {
            ModelDirectory.fetch(initFrom, local, conf);
            Recipe recipe = spec.recipe().withModel(new BaseModel(spec.recipe().model().preset(), local.toString(),
                    spec.recipe().model().tokens()));
            return train(mesh, d, placement, recipe, conf);
        } finally {
            LocalFiles.deleteTree(local);
        }
    }

    private Result train(Mesh mesh, Distributed d, Placement placement, Recipe recipe, Configuration conf)
            throws IOException {
        // the cores Spark gave this task (spark.task.cpus), unless the recipe says otherwise (TrainingParts)
        Threads.set(BarrierTaskContext.get().cpus());
        // native memory: BarrierRendezvous's scope, which outlives the groups
        try (TrainingParts parts = TrainingParts.build(recipe, placement, d.tp(), d.dp(), null);
             ShardTokenSource shards = ShardTokenSource.open(conf, myShards(conf, mesh), recipe.data().batch(),
                     recipe.data().seq(), spec.padId(), recipe.hyper().seed())) {
            ShardedCheckpoints checkpoints = new ShardedCheckpoints(
                    new HadoopCheckpointStore(spec.checkpoints(), conf), mesh, d.world(),
                    recipe.runtime().keepLast());
            // progress goes to the driver (Progress), not to the executor's stdout
            TrainLoop loop = parts.loop(faults(shards, mesh), checkpoints, null, Integer.MAX_VALUE,
                    new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
            if (heldOut != null) {
                loop.validate(new HeldOutLoss(spec.heldOut(), heldOut.value(), mesh, d.dp(), spec.padId()));
            }
            try (Progress.Reporter reporter = mesh.rank() == 0 && progress != null
                    ? Progress.Reporter.connect(progress) : null) {
                if (reporter != null) {
                    loop.onStep(reporter::send);
                }
                List<StepResult> ran = loop.run();
                long last = checkpoints.latestStep().orElse(0L);
                double loss = ran.isEmpty() ? Double.NaN : ran.get(ran.size() - 1).loss();
                return new Result(mesh.rank(), last - ran.size() + 1, last, loss, placement.device(),
                        org.apache.spark.SparkEnv.get().executorId());
            }
        }
    }

    /**
     * With {@link TrainSpec#failOnceAtStep()} set, the first attempt of the stage fails on its last rank when it
     * reaches that step (before any collective of the step), as a task that hits bad data would: a drill for
     * resume. The other ranks are then waiting in a collective for it.
     */
    private TokenSource faults(TokenSource data, Mesh mesh) {
        long failAt = spec.failOnceAtStep();
        if (failAt <= 0 || mesh.rank() != mesh.world() - 1 || BarrierTaskContext.get().stageAttemptNumber() > 0) {
            return data;
        }
        long position = (failAt - 1) * spec.recipe().hyper().microBatches();
        return new TokenSource() {
            @Override
            public Batch batch(long index) {
                if (index == position) {
                    throw new IllegalStateException("injected failure at step " + failAt + " (failOnceAtStep)");
                }
                return data.batch(index);
            }

            @Override
            public String describe() {
                return data.describe();
            }
        };
    }

    /** Shard {@code s} belongs to data-parallel rank {@code s mod dp}. */
    private List<org.apache.hadoop.fs.Path> myShards(Configuration conf, Mesh mesh) throws IOException {
        List<org.apache.hadoop.fs.Path> all = ShardTokenSource.listShards(conf, spec.prepared());
        List<org.apache.hadoop.fs.Path> mine = new ArrayList<>();
        for (int s = mesh.dpRank(); s < all.size(); s += mesh.dp()) {
            mine.add(all.get(s));
        }
        return mine;
    }
}
