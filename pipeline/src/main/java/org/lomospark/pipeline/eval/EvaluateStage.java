package org.lomospark.pipeline.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.train.TaskDevice;
import org.lomospark.trainer.tensor.Placement;

/**
 * Evaluation as plain Spark tasks: the eval rows of one split are partitioned by group (task, group), so every
 * candidate of a group is scored in the same task; each task loads the exported model once ({@link LocalModel}: a
 * Hugging Face directory on any Hadoop filesystem, copied to local disk) on the CPU or on the GPU Spark assigned
 * the task ({@link TaskDevice}), and returns its predictions; the driver
 * turns them into the report. Metrics over several groups (MultiRC's exact match per question) are computed there,
 * from all predictions, so they do not depend on how the groups were split.
 *
 * <pre>
 * EvalReport r = EvaluateStage.run(spark, "s3a://runs/x/model", "s3a://runs/x/prepared", "val", 4, 32, pad,
 *         "cpu", "f32");
 * </pre>
 */
public final class EvaluateStage {
    private EvaluateStage() {}

    /**
     * @param device {@code cpu}, or {@code cuda} for the GPU Spark assigned each task (spark.task.resource.gpu.amount)
     * @param dtype the weights' type while scoring: {@code f32} or {@code bf16}
     */
    public static EvalReport run(SparkSession spark, String model, String prepared, String split, int tasks,
                                 int batchSize, int padId, String device, String dtype) {
        Dataset<Row> eval = spark.read().parquet(PrepareStage.evalTable(prepared));
        Dataset<Row> rows = EvalCandidates.columns(eval.where(eval.col("split").equalTo(split)))
                .repartition(tasks, eval.col("task"), eval.col("group"))
                .sortWithinPartitions("task", "group", "candidate");
        HadoopSettings hadoop = HadoopSettings.of(spark.sparkContext().hadoopConfiguration());
        MapPartitionsFunction<Row, Prediction> score = it -> predict(it, model, hadoop, batchSize, padId, device,
                dtype);
        List<Prediction> predictions = new ArrayList<>(rows.mapPartitions(score,
                Encoders.javaSerialization(Prediction.class)).collectAsList());
        predictions.sort(Comparator.comparing(Prediction::task).thenComparing(Prediction::group));
        return EvalReport.of(predictions);
    }

    private static Iterator<Prediction> predict(Iterator<Row> rows, String model, HadoopSettings hadoop,
                                                int batchSize, int padId, String device, String dtype)
            throws IOException {
        List<Candidate> candidates = new ArrayList<>();
        rows.forEachRemaining(r -> candidates.add(EvalCandidates.candidate(r)));
        if (candidates.isEmpty()) {
            return List.<Prediction>of().iterator();
        }
        Placement at = TaskDevice.of(TaskContext.get(), device, dtype);
        return LocalModel.use(model, hadoop, at, lm -> new CandidateScorer(lm, batchSize, padId).predict(candidates))
                .iterator();
    }
}
