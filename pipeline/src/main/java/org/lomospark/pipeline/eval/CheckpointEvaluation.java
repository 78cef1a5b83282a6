package org.lomospark.pipeline.eval;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.pipeline.store.HadoopCheckpointStore;
import org.lomospark.pipeline.train.BarrierRendezvous;
import org.lomospark.pipeline.train.TaskDevice;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.trainer.checkpoint.ShardedCheckpoints;
import org.lomospark.trainer.recipe.RuntimeParams;
import org.lomospark.trainer.dist.Distributed;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.Lomo;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Threads;

/**
 * Evaluation straight from a training run's newest committed checkpoint, over the training's own barrier machinery:
 * {@code dp x tp} tasks in the training layout, each rank restoring its own slices on the training's device (the
 * GPU Spark assigned the task, for {@code cuda}) in its dtype. The tensor-parallel ranks of a
 * replica score the same questions together; the data-parallel replicas split the questions between them. No
 * export is needed, so it scores the model exactly as trained (and an export can be checked against it).
 *
 * <pre>
 * EvalReport r = CheckpointEvaluation.run(spark, trainSpec, PrepareStage.evalTable(prepared), "val", 32);
 * </pre>
 */
public final class CheckpointEvaluation {
    private CheckpointEvaluation() {}

    /**
     * @param spec the training run: its checkpoints, model, layout, pad id, rendezvous timeout and Hadoop settings
     * @param eval a prepared output's {@code eval} table
     */
    public static EvalReport run(SparkSession spark, TrainSpec spec, String eval, String split, int batchSize) {
        Dataset<Row> table = spark.read().parquet(eval);
        // the candidate rows travel to every task once; each replica keeps its share of the questions
        List<Row> rows = EvalCandidates.columns(table.where(table.col("split").equalTo(split))).collectAsList();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<List<Row>> shared = jsc.broadcast(new ArrayList<>(rows));
        Rank rank = new Rank(spec, shared, batchSize);
        List<Prediction> predictions = new ArrayList<>(BarrierRendezvous.stage(jsc, spec.world(), Prediction.class,
                rank::run).collect());
        shared.destroy();
        predictions.sort(Comparator.comparing(Prediction::task).thenComparing(Prediction::group));
        return EvalReport.of(predictions);
    }

    /** One rank: restore the slices, score this replica's questions, report them from the replica's tp rank 0. */
    private record Rank(TrainSpec spec, Broadcast<List<Row>> rows, int batchSize) implements Serializable {
        List<Prediction> run() {
            RuntimeParams runtime = spec.recipe().runtime();
            Mesh mesh = new Mesh(runtime.dp(), runtime.tp(), BarrierTaskContext.get().partitionId());
            try {
                Placement placement = TaskDevice.of(BarrierTaskContext.get(), runtime.device(), runtime.dtype());
                return BarrierRendezvous.join(mesh, runtime.rendezvousTimeout(), placement,
                        (groups, host) -> score(mesh, groups, placement));
            } catch (Exception e) {
                throw new IllegalStateException("evaluation rank " + mesh.rank() + ": " + e.getMessage(), e);
            }
        }

        private List<Prediction> score(Mesh mesh, Distributed d, Placement placement) throws IOException {
            RuntimeParams runtime = spec.recipe().runtime();
            Threads.set(runtime.threads() > 0 ? runtime.threads() : BarrierTaskContext.get().cpus());
            List<Candidate> mine = new ArrayList<>(EvalCandidates.ofReplica(rows.value(), mesh));
            mine.sort(Comparator.comparing(Candidate::task).thenComparing(Candidate::group)
                    .thenComparingInt(Candidate::candidate));
            // native memory: BarrierRendezvous's scope, which outlives the groups. The random values are replaced
            // by the checkpoint's, so they are drawn where they are cheapest.
            try (LlamaModel model = LlamaModel.create(spec.recipe().model().config(), placement, 0, false,
                    d.tp());
                 Lomo stateless = new Lomo(0, 0)) {
                ShardedCheckpoints checkpoints = new ShardedCheckpoints(new HadoopCheckpointStore(spec.checkpoints(),
                        spec.hadoop().configuration()), mesh, d.world(), runtime.keepLast());
                if (checkpoints.restoreLatest(model, stateless).isEmpty()) {
                    throw new IOException(spec.checkpoints() + " has no committed checkpoint to evaluate");
                }
                List<Prediction> scored = new CandidateScorer(model, batchSize, spec.padId()).predict(mine);
                return mesh.tpRank() == 0 ? scored : List.of();
            }
        }
    }
}
