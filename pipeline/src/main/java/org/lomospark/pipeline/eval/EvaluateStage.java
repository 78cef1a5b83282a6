package org.lomospark.pipeline.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Threads;

/**
 * Evaluation as plain Spark tasks: the eval rows of one split are partitioned by group (task, group), so every
 * candidate of a group is scored in the same task; each task loads the exported model once (a Hugging Face
 * directory on any Hadoop filesystem, copied to local disk) and returns its predictions; the driver turns them
 * into the report. Metrics over several groups (MultiRC's exact match per question) are computed there, from all
 * predictions, so they do not depend on how the groups were split.
 *
 * <pre>
 * EvalReport r = EvaluateStage.run(spark, "s3a://runs/x/model", "s3a://runs/x/prepared", "val", 4, 32, pad);
 * </pre>
 */
public final class EvaluateStage {
    private EvaluateStage() {}

    public static EvalReport run(SparkSession spark, String model, String prepared, String split, int tasks,
                                 int batchSize, int padId) {
        Dataset<Row> eval = spark.read().parquet(prepared + "/eval");
        Dataset<Row> rows = EvalCandidates.columns(eval.where(eval.col("split").equalTo(split)))
                .repartition(tasks, eval.col("task"), eval.col("group"))
                .sortWithinPartitions("task", "group", "candidate");
        HadoopSettings hadoop = HadoopSettings.of(spark.sparkContext().hadoopConfiguration());
        MapPartitionsFunction<Row, Prediction> score = it -> predict(it, model, hadoop, batchSize, padId);
        List<Prediction> predictions = new ArrayList<>(rows.mapPartitions(score,
                Encoders.javaSerialization(Prediction.class)).collectAsList());
        predictions.sort(Comparator.comparing(Prediction::task).thenComparing(Prediction::group));
        return EvalReport.of(predictions);
    }

    private static Iterator<Prediction> predict(Iterator<Row> rows, String model, HadoopSettings hadoop,
                                                int batchSize, int padId) throws IOException {
        List<Candidate> candidates = new ArrayList<>();
        rows.forEachRemaining(r -> candidates.add(EvalCandidates.candidate(r)));
        if (candidates.isEmpty()) {
            return List.<Prediction>of().iterator();
        }
        Threads.set(1);
        Path local = Files.createTempDirectory("lomo-eval-model-");
        try (PointerScope scope = new PointerScope()) {
            copyDir(hadoop.configuration(), new org.apache.hadoop.fs.Path(model), local);
            try (HfCheckpoint ckpt = HfCheckpoint.open(local);
                 LlamaModel lm = LlamaModel.load(LlamaConfig.fromJson(local.resolve("config.json")),
                         Placement.cpu(torch.ScalarType.Float), ckpt::read)) {
                return new CandidateScorer(lm, batchSize, padId).predict(candidates).iterator();
            }
        } finally {
            try (Stream<Path> s = Files.walk(local)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void copyDir(Configuration conf, org.apache.hadoop.fs.Path dir, Path local) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        for (FileStatus f : fs.listStatus(dir)) {
            if (f.isFile()) {
                fs.copyToLocalFile(false, f.getPath(), new org.apache.hadoop.fs.Path(
                        local.resolve(f.getPath().getName()).toUri()), true);
            }
        }
    }
}
