package org.lomospark.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.prepare.InstructInput;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.prepare.PrepareStage;
import org.lomospark.datasets.prepare.TokenizerSpec;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.tokenize.Tokenizer;
import org.lomospark.pipeline.config.PipelineConfig;
import org.lomospark.pipeline.eval.EvalReport;
import org.lomospark.pipeline.eval.EvaluateStage;
import org.lomospark.pipeline.eval.TaskResult;
import org.lomospark.pipeline.ml.LomoModel;
import org.lomospark.pipeline.store.HadoopCheckpointStore;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.store.ModelDirectory;
import org.lomospark.pipeline.store.RunDir;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.pipeline.train.TrainStage;
import org.lomospark.trainer.checkpoint.ShardedCheckpoints;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaConfig.SpecialTokens;
import org.lomospark.trainer.recipe.DataLayout;
import org.lomospark.trainer.recipe.Recipe;

/**
 * The pipeline's stages over one run directory ({@link PipelineConfig#runDir()}, any Hadoop path): {@code prepare}
 * into {@code prepared/}, {@code train} into {@code checkpoints/}, {@code export} into {@code model/},
 * {@code evaluate} into {@code eval.json}; {@code run} is all four. Each stage skips itself when its output is
 * complete, and training resumes from its last checkpoint, so rerunning an interrupted run (by hand or by a
 * scheduler) finishes it. The embedded default is the demo: the bundled synthetic BoolQ, the tiny model, local Spark.
 *
 * <pre>
 * EvalReport report = Run.run(spark, PipelineConfig.load(List.of(), List.of("run-dir=runs/x")), System.out);
 * </pre>
 */
public final class Run {
    private static final String PREPARED = "prepared";
    private static final String CHECKPOINTS = "checkpoints";
    private static final String MODEL = "model";

    private Run() {}

    /** prepare, train, export, evaluate. */
    public static EvalReport run(SparkSession spark, PipelineConfig c, PrintStream out) throws IOException {
        prepare(spark, c, out);
        train(spark, c, out);
        export(spark, c, out);
        return evaluate(spark, c, out);
    }

    /** Tokenizes and shards the configured data into {@code prepared/}; a no-op when it is already there. */
    public static Manifest prepare(SparkSession spark, PipelineConfig c, PrintStream out) throws IOException {
        RunDir dir = RunDir.open(c.runDir(), conf(spark));
        PipelineConfig.Prepare p = c.prepare();
        // before any data is read or written: ids the model's vocabulary cannot hold would fail inside training
        int vocab = TokenizerSpec.parse(p.tokenizer()).open(conf(spark)).vocabSize();
        LlamaConfig model = c.recipe().model().config();
        if (vocab > model.vocabSize()) {
            throw new IllegalArgumentException("prepare.tokenizer " + p.tokenizer() + " has " + vocab + " ids, more"
                    + " than model.preset " + c.recipe().model().preset() + "'s vocabulary of " + model.vocabSize()
                    + ": train a model whose vocabulary holds the tokenizer's");
        }
        List<Split> splits = List.of(Split.TRAIN, Split.valueOf(c.evaluate().split().toUpperCase(Locale.ROOT)));
        PrepareSpec.Builder spec = PrepareSpec.builder(dir.path(PREPARED)).tokenizer(TokenizerSpec.parse(p.tokenizer()))
                .maxLength(p.maxLength()).shards(p.shards()).sample(p.sample()).pack(p.pack())
                .maxBadFraction(p.maxBadFraction()).splitBytes(p.splitBytes()).maxLineBytes(p.maxLineBytes());
        String input = p.superglue();
        if (p.bundled()) {
            BundledSamples.copy(BundledSamples.SYNTHETIC, p.tasks(), splits, dir.local("input"));
            dir.publish("input");
            input = dir.path("input");
        }
        if (input != null) {
            spec.superGlue(input, p.tasks(), splits);
        }
        for (InstructInput i : p.instruct()) {
            spec.instruct(i);
        }
        out.printf("[prepare] %s -> %s%n", input != null ? input : p.instruct(), dir.path(PREPARED));
        Manifest m = PrepareStage.run(spark, spec.build());
        out.printf("          %d train rows, %d eval rows, %d bad lines%n", m.trainRows(), m.evalRows(), m.bad());
        return m;
    }

    /** Trains from {@code prepared/} into {@code checkpoints/}, resuming from the newest commit. */
    public static long train(SparkSession spark, PipelineConfig c, PrintStream out) throws IOException {
        Configuration conf = conf(spark);
        RunDir dir = RunDir.open(c.runDir(), conf);
        HadoopCheckpointStore store = new HadoopCheckpointStore(dir.path(CHECKPOINTS), conf);
        long steps = c.recipe().hyper().steps();
        Optional<Long> done = ShardedCheckpoints.latestStep(store);
        if (done.isPresent() && done.get() >= steps) {
            out.printf("[train] already trained to step %d in %s%n", done.get(), dir.path(CHECKPOINTS));
            return done.get();
        }
        Manifest m = manifest(conf, dir);
        // rows as long as the prepared data's longest: no step pads further than the data needs; the checkpoints
        // record the tokenizer's special ids
        Tokenizer t = preparedWith(m, dir, c, conf);
        LlamaConfig model = c.recipe().model().config();
        if (m.vocabSize() > model.vocabSize()) {
            throw new IllegalArgumentException(dir.path(PREPARED) + " holds ids of a vocabulary of " + m.vocabSize()
                    + " (tokenizer " + m.tokenizer() + "), more than model.preset " + c.recipe().model().preset()
                    + "'s " + model.vocabSize() + ": train a model whose vocabulary holds the tokenizer's");
        }
        Recipe recipe = c.recipe().withData(new DataLayout(dir.path(PREPARED), c.recipe().data().batch(),
                m.longestRow() - 1)).withModel(c.recipe().model().withTokens(SpecialTokens.of(t.bos(), t.eos(),
                t.pad())));
        TrainSpec spec = new TrainSpec(recipe, dir.path(CHECKPOINTS), t.pad(), c.failOnceAtStep(),
                HadoopSettings.of(conf));
        if (c.evalEvery() > 0) {
            spec = spec.withHeldOut(PrepareStage.evalTable(dir.path(PREPARED)), c.evaluate().split(), c.evalEvery(),
                    c.evaluate().batch());
        }
        out.printf("[train] -> %s%s%n", dir.path(CHECKPOINTS), done.map(s -> " (resuming from step " + s + ")")
                .orElse(""));
        return TrainStage.runInto(dir, spark, spec, out).lastStep();
    }

    /**
     * Joins the newest committed checkpoint into a Hugging Face directory {@code model/} (with the tokenizer's files
     * when the tokenizer is a Hugging Face one, {@code config.json} last); a no-op when it exists. Returns its path.
     */
    public static String export(SparkSession spark, PipelineConfig c, PrintStream out) throws IOException {
        Configuration conf = conf(spark);
        RunDir dir = RunDir.open(c.runDir(), conf);
        if (dir.exists(MODEL + "/config.json")) {
            out.printf("[export] %s exists%n", dir.path(MODEL));
            return dir.path(MODEL);
        }
        HadoopCheckpointStore store = new HadoopCheckpointStore(dir.path(CHECKPOINTS), conf);
        long step = ShardedCheckpoints.latestStep(store).orElseThrow(() -> new IllegalStateException(
                "nothing to export: " + dir.path(CHECKPOINTS) + " has no committed checkpoint (run train first)"));
        out.printf("[export] step %d -> %s%n", step, dir.path(MODEL));
        return ModelDirectory.export(store, step, dir.path(MODEL),
                TokenizerSpec.parse(c.prepare().tokenizer()).huggingFaceDir(), conf);
    }

    /** Scores the exported model on the prepared eval split; prints the table and writes {@code eval.json}. */
    public static EvalReport evaluate(SparkSession spark, PipelineConfig c, PrintStream out) throws IOException {
        Configuration conf = conf(spark);
        RunDir dir = RunDir.open(c.runDir(), conf);
        requireModel(dir, "evaluate");
        PipelineConfig.Evaluate e = c.evaluate();
        out.printf("[evaluate] %s on the %s split (%s, %s)%n", dir.path(MODEL), e.split(), e.device(), e.dtype());
        EvalReport report = EvaluateStage.run(spark, dir.path(MODEL), dir.path(PREPARED), e.split(),
                e.tasks() > 0 ? e.tasks() : spark.sparkContext().defaultParallelism(), e.batch(),
                preparedWith(manifest(conf, dir), dir, c, conf).pad(),
                e.device(), e.dtype());
        out.print(report.table());
        ObjectNode json = new ObjectMapper().createObjectNode();
        for (TaskResult t : report.tasks()) {
            ObjectNode task = json.putObject(t.task());
            task.put("questions", t.groups());
            t.metrics().forEach(task::put);
            task.put("majority_baseline", t.majorityBaseline());
        }
        Files.writeString(dir.local("eval.json"), json.toPrettyString());
        dir.publish("eval.json");
        out.printf(Locale.ROOT, "model: %s%n", dir.isLocal() ? dir.local(MODEL) : dir.path(MODEL));
        return report;
    }

    /**
     * Continues {@code generate.prompts} with the exported model on the evaluate block's device and dtype; prints
     * each answer and writes them, one JSON line per prompt, to {@code generated.jsonl}.
     */
    public static List<String> generate(SparkSession spark, PipelineConfig c, PrintStream out) throws IOException {
        Configuration conf = conf(spark);
        RunDir dir = RunDir.open(c.runDir(), conf);
        requireModel(dir, "generate with");
        PipelineConfig.Generate g = c.generate();
        if (g.prompts().isEmpty()) {
            throw new IllegalArgumentException("generate.prompts is empty: give the prompts to continue, e.g."
                    + " 'generate.prompts=[\"Is the sky blue?\"]'");
        }
        String tokenizer = TokenizerSpec.parse(c.prepare().tokenizer()).huggingFaceDir() == null ? "byte"
                : c.prepare().tokenizer();
        LomoModel model = new LomoModel("generate", dir.path(MODEL)).setTokenizer(tokenizer)
                .setDevice(c.evaluate().device()).setDtype(c.evaluate().dtype()).setMaxNewTokens(g.maxNewTokens())
                .setTemperature(g.temperature()).setTopP(g.topP()).setSeed(g.seed())
                .setChatTemplate(g.chatTemplate());
        List<org.apache.spark.sql.Row> prompts = g.prompts().stream()
                .map(p -> org.apache.spark.sql.RowFactory.create(p)).toList();
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("prompt", org.apache.spark.sql.types.DataTypes.StringType, false);
        // one task: a few prompts, one model load
        List<org.apache.spark.sql.Row> answered = model.generate(spark.createDataFrame(prompts, schema)
                .coalesce(1)).collectAsList();
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        List<String> answers = new java.util.ArrayList<>();
        for (org.apache.spark.sql.Row r : answered) {
            out.printf("[generate] %s%n        -> %s%n", r.getString(0), r.getString(1));
            ObjectNode line = json.createObjectNode();
            line.put("prompt", r.getString(0));
            line.put("generated", r.getString(1));
            lines.append(line).append('\n');
            answers.add(r.getString(1));
        }
        Files.writeString(dir.local("generated.jsonl"), lines.toString());
        dir.publish("generated.jsonl");
        return answers;
    }

    /** The exported model must be there: {@code what} needs it. */
    private static void requireModel(RunDir dir, String what) throws IOException {
        if (!dir.exists(MODEL + "/config.json")) {
            throw new IllegalStateException("nothing to " + what + ": " + dir.path(MODEL) + " has no config.json"
                    + " (run export first)");
        }
    }

    private static Configuration conf(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }

    private static Manifest manifest(Configuration conf, RunDir dir) throws IOException {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.path(PREPARED + "/" + Manifest.FILE_NAME));
        FileSystem fs = file.getFileSystem(conf);
        if (!fs.exists(file)) {
            throw new IllegalStateException("no prepared data: " + file + " does not exist (run prepare first)");
        }
        return Manifest.read(fs, file);
    }

    /**
     * The configured tokenizer ({@code prepare.tokenizer}), checked to be the one the prepared data was made with:
     * ids from another tokenizer would train (or score) the wrong text, and the export would ship the wrong
     * tokenizer files with the weights.
     */
    private static Tokenizer preparedWith(Manifest m, RunDir dir, PipelineConfig c, Configuration conf)
            throws IOException {
        Tokenizer t = TokenizerSpec.parse(c.prepare().tokenizer()).open(conf);
        if (!t.fingerprint().equals(m.tokenizerFingerprint())) {
            throw new IllegalArgumentException(dir.path(PREPARED) + " was prepared with tokenizer " + m.tokenizer()
                    + " (fingerprint " + m.tokenizerFingerprint() + "), but prepare.tokenizer = "
                    + c.prepare().tokenizer() + " is another (fingerprint " + t.fingerprint() + "): prepare again"
                    + " with this tokenizer into a new run-dir, or set prepare.tokenizer back");
        }
        return t;
    }
}
