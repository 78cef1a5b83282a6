package org.lomospark.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.prepare.Sampling;
import org.lomospark.datasets.prompt.Candidate;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.pipeline.cli.BundledSamples;
import org.lomospark.pipeline.eval.EvalCandidates;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.trainer.io.SafetensorsFile;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.recipe.Settings;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/** The training stage's validation loss, against the eval split scored independently from that step's weights. */
class HeldOutLossTest {
    @TempDir
    static Path dir;

    @Test
    void theValidationLossEqualsAnIndependentScoringOfTheEvalSplitAtThatStep() throws Exception {
        SparkSession spark = LocalSpark.builder("HeldOutLossTest", "local[2,4]").getOrCreate();
        try {
            Path input = BundledSamples.copy(BundledSamples.SYNTHETIC, List.of(SuperGlueTask.BOOLQ),
                    List.of(Split.TRAIN, Split.VAL), dir.resolve("input"));
            String prepared = dir.resolve("prepared").toString();
            Manifest m = PrepareStage.run(spark, PrepareSpec.builder(prepared)
                    .superGlue(input.toString(), List.of(SuperGlueTask.BOOLQ), List.of(Split.TRAIN, Split.VAL))
                    .maxLength(129).shards(2).sample(new Sampling(1, 0, 24)).build());
            Recipe recipe = Settings.named(Map.ofEntries(Map.entry("dp", 2), Map.entry("steps", 4),
                    Map.entry("batch", 2), Map.entry("lr", 0.3), Map.entry("warmup", 1), Map.entry("save-every", 2),
                    Map.entry("keep-last", 2), Map.entry("threads", 1), Map.entry("seed", 3)), n -> n, prepared,
                    m.longestRow() - 1);
            Path checkpoints = dir.resolve("checkpoints");
            Path metrics = dir.resolve("metrics.jsonl");
            TrainSpec spec = new TrainSpec(recipe, checkpoints.toString(), new ByteTokenizer().pad(),
                    HadoopSettings.of(spark.sparkContext().hadoopConfiguration()))
                    .withHeldOut(PrepareStage.evalTable(prepared), "val", 2, 16);
            TrainStage.run(spark, spec, new PrintStream(OutputStream.nullOutputStream(), true,
                    StandardCharsets.UTF_8), metrics);

            List<Candidate> gold = EvalCandidates.goldRows(spark.read().parquet(PrepareStage.evalTable(prepared)), "val").stream()
                    .map(EvalCandidates::candidate).toList();
            assertEquals(24, gold.size(), "one gold answer per sampled question");
            List<String> lines = Files.readAllLines(metrics);
            ObjectMapper json = new ObjectMapper();
            for (int step = 1; step <= 4; step++) {
                JsonNode line = json.readTree(lines.get(step - 1));
                if (step % 2 == 1) {
                    assertFalse(line.has("val_loss"), line.toString());
                    continue;
                }
                Path weights = checkpoints.resolve(String.format("step-%08d/rank-00000/model.safetensors", step));
                double independent = meanAnswerLoss(weights, gold);
                assertEquals(independent, line.get("val_loss").asDouble(), 1e-5, "step " + step);
                assertTrue(independent > 0, "step " + step);
            }
        } finally {
            spark.stop();
        }
    }

    /** Each gold answer through the whole model, one at a time: the summed -log p of its tokens over their count. */
    private static double meanAnswerLoss(Path weights, List<Candidate> gold) {
        double loss = 0;
        long tokens = 0;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard();
             SafetensorsFile file = SafetensorsFile.open(weights);
             LlamaModel model = LlamaModel.load(LlamaConfig.preset("tiny"), Placement.cpu(ScalarType.Float),
                     file::read)) {
            for (Candidate c : gold) {
                int[] t = c.tokens();
                long[] ids = new long[t.length - 1];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = t[i];
                }
                Tensor logits = model.head().logits(model.hidden(Tensors.fromLongs(ids, 1, ids.length), null));
                float[] logp = Tensors.toFloats(logits.log_softmax(-1).contiguous());
                int vocab = (int) logits.size(2);
                for (int p = c.answerStart() - 1; p < ids.length; p++) {
                    loss -= logp[p * vocab + t[p + 1]];
                    tokens++;
                }
            }
        }
        return loss / tokens;
    }
}
