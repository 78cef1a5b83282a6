package org.lomospark.pipeline.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.prompt.PromptTemplates;
import org.lomospark.datasets.prompt.Rendered;
import org.lomospark.datasets.prompt.SuperGluePrompts;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.pipeline.cli.BundledSamples;
import org.lomospark.trainer.tensor.Threads;

/**
 * The Spark ML API on local[2] with the tiny model: fit on the synthetic BoolQ as (prompt, answer) rows, score
 * the val split's yes/no candidates with transform, save and load, and the schema errors.
 */
class LomoFineTunerTest {
    // LearnabilityTest's settings (five seeds of five at 0.85 or more by step 450), through the training stage
    private static final long STEPS = 450;

    private static SparkSession spark;
    @TempDir
    static Path dir;
    private static Dataset<Row> train;
    private static Dataset<Row> val;
    private static LomoFineTuner tuner;
    private static LomoModel model;
    private static double fitSeconds;

    @BeforeAll
    static void fit() throws Exception {
        spark = LocalSpark.start("LomoFineTunerTest");
        Threads.set(1); // see LearnabilityTest: OpenBLAS's own pool made the tiny model 10-20x slower here
        Path input = BundledSamples.copy(BundledSamples.SYNTHETIC, List.of(SuperGlueTask.BOOLQ),
                List.of(Split.TRAIN, Split.VAL), dir.resolve("input"));
        train = rows(input, Split.TRAIN, false);
        val = rows(input, Split.VAL, true).cache();
        tuner = new LomoFineTuner()
                .setModel("tiny").setTokenizer("byte")
                .setSteps(STEPS).setBatch(16).setLr(0.5).setWarmup(50).setClipNorm(1.0).setDp(1)
                .setSeed(1).setSaveEvery((int) STEPS)
                .setCheckpointDir(dir.resolve("run").toUri().toString());
        long started = System.nanoTime();
        model = tuner.fit(train);
        fitSeconds = (System.nanoTime() - started) / 1e9;
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The BoolQ records of a split as (prompt, answer) rows, or (prompt, candidates, label) with candidates. */
    private static Dataset<Row> rows(Path input, Split split, boolean candidates) throws Exception {
        SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
        List<Row> rows = new ArrayList<>();
        for (Parsed<SuperGlueRecord> p : JsonlFile.read(input.resolve("BoolQ").resolve(split.fileName()),
                SuperGlueTask.BOOLQ.parser())) {
            for (Rendered q : prompts.render(((Parsed.Ok<SuperGlueRecord>) p).value())) {
                rows.add(candidates ? RowFactory.create(q.prompt(), q.answers().toArray(new String[0]), q.gold())
                        : RowFactory.create(q.prompt(), q.answers().get(q.gold())));
            }
        }
        StructType schema = candidates
                ? new StructType().add("prompt", DataTypes.StringType).add("candidates",
                        DataTypes.createArrayType(DataTypes.StringType)).add("label", DataTypes.IntegerType)
                : new StructType().add("prompt", DataTypes.StringType).add("answer", DataTypes.StringType);
        return spark.createDataFrame(rows, schema);
    }

    @Test
    void theFittedModelBeatsTheMajorityBaselineOnTheValCandidates() {
        long started = System.nanoTime();
        List<Row> scored = model.transform(val).select("label", "prediction", "scores").collectAsList();
        double scoreSeconds = (System.nanoTime() - started) / 1e9;
        long right = scored.stream().filter(r -> r.getInt(0) == r.getInt(1)).count();
        long yes = scored.stream().filter(r -> r.getInt(0) == 0).count();
        double accuracy = (double) right / scored.size();
        double majority = (double) Math.max(yes, scored.size() - yes) / scored.size();
        String summary = String.format(Locale.ROOT, "val accuracy %.3f, majority baseline %.3f (%d questions); "
                + "fit %.1f s (%d steps), transform %.1f s", accuracy, majority, scored.size(), fitSeconds, STEPS,
                scoreSeconds);
        System.out.println(summary);
        assertEquals(2, scored.get(0).getList(2).size());
        assertTrue(accuracy >= majority + 0.15, summary);
        assertSame(tuner, model.parent());
        assertEquals(tuner.uid(), model.uid());
        assertEquals("byte", model.getTokenizer());
    }

    @Test
    void theFitLeavesItsLossCurveInTheCheckpointDir() throws Exception {
        List<String> lines = Files.readAllLines(dir.resolve("run").resolve("metrics.jsonl"));
        assertEquals(STEPS, lines.size());
        for (int k = 0; k < lines.size(); k++) {
            assertTrue(lines.get(k).startsWith("{\"step\":" + (k + 1) + ",\"loss\":"), lines.get(k));
        }
        assertTrue(Files.size(dir.resolve("run").resolve("loss.png")) > 0);
    }

    @Test
    void greedyGenerationAnswersWithATrainedAnswerAndAgreesWithScoring() {
        Dataset<Row> some = val.limit(40);
        List<Row> rows = model.copy(new org.apache.spark.ml.param.ParamMap()).setMaxNewTokens(8).generate(some)
                .select("candidates", "generated").collectAsList();
        List<Row> scored = model.transform(some).select("prediction").collectAsList();
        long answers = 0;
        long agree = 0;
        for (int i = 0; i < rows.size(); i++) {
            List<String> candidates = rows.get(i).getList(0);
            String generated = rows.get(i).getString(1);
            answers += candidates.contains(generated) ? 1 : 0;
            agree += generated.equals(candidates.get(scored.get(i).getInt(0))) ? 1 : 0;
        }
        String summary = answers + " of " + rows.size() + " continuations are an answer, " + agree
                + " the one transform predicts; first: '" + rows.get(0).getString(1) + "'";
        System.out.println(summary);
        assertEquals(40, rows.size());
        assertTrue(answers >= 36, summary); // the fitted model ends " yes"/" no" with eos, as it was trained
        assertTrue(agree >= 32, summary);
    }

    @Test
    void seededTopPSamplingIsReproducible() {
        Dataset<Row> some = val.limit(12).repartition(1);
        LomoModel sampling = model.copy(new org.apache.spark.ml.param.ParamMap()).setMaxNewTokens(12)
                .setTemperature(1.5).setTopP(0.95).setSeed(11);
        List<Row> a = sampling.generate(some).select("generated").collectAsList();
        List<Row> b = sampling.generate(some).select("generated").collectAsList();
        List<Row> other = sampling.setSeed(12).generate(some).select("generated").collectAsList();
        assertEquals(a, b, "the same seed, prompts and partitioning");
        assertTrue(!a.equals(other), "another seed draws other tokens: " + a + " vs " + other);
    }

    @Test
    void fitEqualsTheCommandLinesTrainAndExportOnTheSameDataAndSettings() throws Exception {
        Path root = dir.resolve("same");
        LomoFineTuner quick = new LomoFineTuner().setSteps(4).setBatch(4).setLr(0.3).setWarmup(1)
                .setStrategy("hook").setSchedule("cosine").setClipValue(0.2).setWeightDecay(0.01).setClipNorm(0)
                .setSeed(3).setDp(1).setSaveEvery(4).setCheckpointDir(root.toUri().toString());
        LomoModel fitted = quick.fit(train.limit(48));
        // the command line's stages on the rows the fine-tuner wrote, with the same settings as HOCON overrides
        Path run = dir.resolve("same-cli");
        copyTree(root.resolve("data"), run.resolve("prepared"));
        org.lomospark.pipeline.config.PipelineConfig c = org.lomospark.pipeline.config.PipelineConfig.load(
                List.of(), List.of("run-dir=" + run, "prepare.shards=1", "train.dp=1", "train.steps=4",
                        "train.batch=4", "train.lr=0.3", "train.warmup=1", "train.strategy=hook",
                        "train.schedule=cosine", "train.clip-value=0.2", "train.weight-decay=0.01",
                        "train.clip-norm=0", "train.seed=3", "train.save-every=4"));
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        org.lomospark.pipeline.cli.Run.train(spark, c, quiet);
        String exported = org.lomospark.pipeline.cli.Run.export(spark, c, quiet);
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope();
             org.lomospark.trainer.io.HfCheckpoint a = org.lomospark.trainer.io.HfCheckpoint.open(
                     local(fitted.location()));
             org.lomospark.trainer.io.HfCheckpoint b = org.lomospark.trainer.io.HfCheckpoint.open(
                     local(exported))) {
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                assertTrue(a.read(name).equal(b.read(name)), name + " differs between fit and train + export");
            }
        }
    }

    /** A local Hadoop path ({@code file:/x} or {@code /x}) as a file path. */
    private static Path local(String hadoopPath) {
        return Path.of(new org.apache.hadoop.fs.Path(hadoopPath).toUri().getPath());
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        java.nio.file.Files.createDirectories(to.getParent());
        try (var files = java.nio.file.Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                java.nio.file.Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
    }

    @Test
    void aSavedAndLoadedModelHasTheSameParamsAndScoresTheSame() throws Exception {
        String path = dir.resolve("saved-model").toUri().toString();
        model.setScoreBatchSize(7);
        model.write().overwrite().save(path);
        LomoModel loaded = LomoModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertSameParams(model, loaded);
        Dataset<Row> some = val.limit(24);
        List<Row> before = model.transform(some).select("scores", "prediction").collectAsList();
        List<Row> after = loaded.transform(some).select("scores", "prediction").collectAsList();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i).getList(0), after.get(i).getList(0), "row " + i);
            assertEquals(before.get(i).getInt(1), after.get(i).getInt(1), "row " + i);
        }
    }

    @Test
    void aSavedAndLoadedFineTunerHasTheSameParams() throws Exception {
        String path = dir.resolve("saved-tuner").toUri().toString();
        tuner.write().overwrite().save(path);
        LomoFineTuner loaded = LomoFineTuner.load(path);
        assertEquals(tuner.uid(), loaded.uid());
        assertSameParams(tuner, loaded);
        assertEquals(STEPS, loaded.getSteps());
        assertEquals(0.5, loaded.getLr());
        java.io.UncheckedIOException wrong = assertThrows(java.io.UncheckedIOException.class,
                () -> LomoModel.load(path));
        assertTrue(wrong.getMessage().contains("holds a " + LomoFineTuner.class.getName()), wrong::getMessage);
    }

    @Test
    void aMissingOrMistypedColumnFailsNamingIt() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> tuner.copy(new org.apache.spark.ml.param.ParamMap()).setAnswerCol("reply").fit(train));
        assertTrue(missing.getMessage().contains("column 'reply' (answerCol) is not in the data"),
                missing::getMessage);
        IllegalArgumentException mistyped = assertThrows(IllegalArgumentException.class,
                () -> model.copy(new org.apache.spark.ml.param.ParamMap()).setCandidatesCol("prompt").transform(val));
        assertTrue(mistyped.getMessage().contains("column 'prompt' (candidatesCol) is string, it must be "
                + "array<string>"), mistyped::getMessage);
    }

    @Test
    void rowsOverMaxLengthFailTheFitCountedAndQuoted() {
        LomoFineTuner shortRows = tuner.copy(new org.apache.spark.ml.param.ParamMap()).setMaxLength(40)
                .setCheckpointDir(dir.resolve("too-long").toUri().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> shortRows.fit(train));
        assertTrue(e.getMessage().matches("(?s)\\d+ of \\d+ rows cannot be trained on, none was dropped; the "
                + "first: the row with prompt \".*\" has \\d+ tokens .*over maxLength 40.*"), e::getMessage);
    }

    @Test
    void aPipelineWithTheFineTunerFitsSavesAndLoads() throws Exception {
        LomoFineTuner quick = tuner.copy(new org.apache.spark.ml.param.ParamMap()).setSteps(2).setSaveEvery(2)
                .setCheckpointDir(dir.resolve("pipeline-run").toUri().toString());
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {quick}).fit(train.limit(40));
        String path = dir.resolve("saved-pipeline").toUri().toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        LomoModel stage = (LomoModel) loaded.stages()[0];
        assertEquals(quick.uid(), stage.uid());
        List<Row> scored = loaded.transform(val.limit(4)).select("prediction").collectAsList();
        assertEquals(4, scored.size());
    }

    private static void assertSameParams(Params a, Params b) {
        for (Param<?> p : a.params()) {
            Param<Object> q = b.getParam(p.name());
            assertEquals(a.isSet(p), b.isSet(q), p.name() + " set");
            if (a.isDefined(p)) {
                assertEquals(a.getOrDefault(p), b.getOrDefault(q), p.name());
            }
        }
        assertEquals(a.params().length, b.params().length);
    }
}
