package org.lomospark.pipeline;

import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.trainer.checkpoint.CheckpointExport;
import org.lomospark.trainer.recipe.Settings;
import org.lomospark.trainer.recipe.Recipe;
import java.util.Map;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.testing.S3ProxyServer;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.pipeline.cli.BundledSamples;
import org.lomospark.pipeline.eval.CandidateScorer;
import org.lomospark.pipeline.eval.CheckpointEvaluation;
import org.lomospark.pipeline.eval.EvalCandidates;
import org.lomospark.pipeline.eval.EvalReport;
import org.lomospark.pipeline.eval.EvaluateStage;
import org.lomospark.pipeline.eval.Prediction;
import org.lomospark.pipeline.store.HadoopCheckpointStore;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.pipeline.train.TrainStage;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Placement;

/**
 * The pipeline against a real S3-compatible server (S3Proxy, started here on loopback): prepare into s3a, train
 * dp 2 x tp 2 on local Spark with checkpoints in s3a and a failure the retried stage resumes from, evaluate the
 * trained model from its s3a checkpoint in the training layout, export it, and check that the exported directory
 * loads back and scores the same, on the driver and in Spark tasks.
 */
class PipelineS3Test {
    @TempDir
    Path dir;

    @Test
    void prepareTrainDp2Tp2WithS3CheckpointsThenExportAndEvaluate() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir, "lomo")) {
            // dp 2 x tp 2 tasks at once; a failed task may be retried
            SparkSession spark = s3.configure(LocalSpark.builder("PipelineS3Test", "local[4,4]"))
                    .getOrCreate();
            try {
                run(spark, s3);
            } finally {
                spark.stop();
            }
        }
    }

    private void run(SparkSession spark, S3ProxyServer s3) throws Exception {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path input = BundledSamples.copy(BundledSamples.SYNTHETIC, List.of(SuperGlueTask.BOOLQ),
                List.of(Split.TRAIN, Split.VAL), dir.resolve("input"));
        String prepared = s3.url("prepared");
        Manifest m = PrepareStage.run(spark, PrepareSpec.builder(prepared)
                .superGlue(input.toString(), List.of(SuperGlueTask.BOOLQ), List.of(Split.TRAIN, Split.VAL))
                .maxBadFraction(0).shards(4).build());

        String checkpoints = s3.url("run/checkpoints");
        Path metrics = dir.resolve("metrics.jsonl");
        Recipe recipe = Settings.named(Map.ofEntries(Map.entry("seed", 3), Map.entry("dp", 2), Map.entry("tp", 2),
                Map.entry("steps", 12), Map.entry("batch", 4), Map.entry("lr", 0.5), Map.entry("warmup", 2),
                Map.entry("clip-norm", 1.0), Map.entry("save-every", 4), Map.entry("keep-last", 2),
                Map.entry("threads", 1), Map.entry("rendezvous-timeout", "120s")), n -> n, prepared,
                m.longestRow() - 1);
        TrainSpec spec = new TrainSpec(recipe, checkpoints, new ByteTokenizer().pad(), 5, HadoopSettings.of(conf));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainStage.Outcome outcome = TrainStage.run(spark, spec, new PrintStream(log, true, StandardCharsets.UTF_8),
                metrics);
        assertEquals(12, outcome.lastStep());
        assertEquals(4, outcome.ranks().size());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L), Files.readAllLines(metrics).stream()
                        .map(l -> Long.parseLong(l.substring("{\"step\":".length(), l.indexOf(',')))).toList(),
                "steps 1-4, the failure at 5, then 5-12 resumed from the step-4 commit on S3");
        FileSystem fs = FileSystem.get(java.net.URI.create(checkpoints), conf);
        for (String kept : List.of("step-00000008", "step-00000012")) {
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(checkpoints + "/" + kept + "/manifest.json")), kept);
        }
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(checkpoints + "/step-00000004")), "keep the last 2");

        // evaluate the model as trained: dp 2 x tp 2 barrier tasks, each restoring its slices from s3a
        EvalReport trained = CheckpointEvaluation.run(spark, spec, PrepareStage.evalTable(prepared), "val", 16);
        assertEquals(200, trained.predictions().size());

        Path model = dir.resolve("model");
        CheckpointExport.export(new HadoopCheckpointStore(checkpoints, conf), 12, model);
        List<Candidate> val = EvalCandidates.collect(spark.read().parquet(PrepareStage.evalTable(prepared)), "val");
        assertEquals(400, val.size());
        double[] first = scores(model, val);
        double[] again = scores(model, val);
        assertArrayEquals(first, again, 0.0, "the exported directory loads back and scores the same every time");
        for (double s : first) {
            assertTrue(Double.isFinite(s) && s < 0, "a mean log-likelihood: " + s);
        }
        java.util.Map<String, Double> byCandidate = new java.util.HashMap<>();
        for (int i = 0; i < val.size(); i++) {
            byCandidate.put(val.get(i).group() + "#" + val.get(i).candidate(), first[i]);
        }
        // the exported directory scores what the tensor-parallel model scored in Spark (fp32 sums in another order)
        for (Prediction p : trained.predictions()) {
            for (int c = 0; c < p.scores().length; c++) {
                assertEquals(byCandidate.get(p.group() + "#" + c), p.scores()[c], 1e-5, p.group());
            }
        }

        // the same model from s3a, scored by Spark tasks split by question, gives the driver's scores
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(model.toUri()),
                new org.apache.hadoop.fs.Path(s3.url("run/model")));
        EvalReport distributed = EvaluateStage.run(spark, s3.url("run/model"), prepared, "val", 3, 16,
                new ByteTokenizer().pad(), "cpu", "f32");
        assertEquals(200, distributed.predictions().size());
        for (Prediction p : distributed.predictions()) {
            for (int c = 0; c < p.scores().length; c++) {
                assertEquals(byCandidate.get(p.group() + "#" + c), p.scores()[c], 1e-5, p.group());
            }
        }
    }

    private static double[] scores(Path model, List<Candidate> val) throws Exception {
        try (PointerScope scope = new PointerScope();
             HfCheckpoint ckpt = HfCheckpoint.open(model);
             LlamaModel lm = LlamaModel.load(LlamaConfig.fromJson(model.resolve("config.json")),
                     Placement.cpu(torch.ScalarType.Float), ckpt::read)) {
            return new CandidateScorer(lm, 32, new ByteTokenizer().pad()).meanLogLikelihoods(val);
        }
    }
}
