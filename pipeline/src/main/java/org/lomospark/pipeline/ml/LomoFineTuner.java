package org.lomospark.pipeline.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lomospark.datasets.prepare.TokenizerSpec;
import org.lomospark.datasets.tokenize.Tokenizer;
import org.lomospark.pipeline.store.HadoopCheckpointStore;
import org.lomospark.pipeline.store.ModelDirectory;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.pipeline.train.TrainStage;
import org.lomospark.trainer.engine.ShardedCheckpoints;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.tensor.TorchLoader;

/**
 * Full-parameter LOMO fine-tuning as a Spark ML {@link Estimator}: {@link #fit} trains a LLaMA model on a
 * DataFrame of prompts and answers (the loss on the answers) and returns a {@link LomoModel} that scores
 * candidate answers.
 *
 * <pre>{@code
 * LomoModel model = new LomoFineTuner()
 *         .setModel("tiny").setTokenizer("byte")
 *         .setSteps(600).setBatchSize(16).setLearningRate(0.5)
 *         .setCheckpointDir("s3a://bucket/runs/boolq")   // checkpoints, shards and the exported model
 *         .fit(train);                                   // columns prompt, answer (strings)
 * model.transform(val).select("prompt", "scores", "prediction").show();
 * model.write().overwrite().save("s3a://bucket/models/boolq");
 * }</pre>
 *
 * <p>{@code fit}: checks the schema; tokenizes the rows on the executors and writes them as trainer shards
 * (a row too long or without an answer fails the fit, counted and quoted, never dropped); runs the training
 * stage, one Spark barrier stage of {@code dp x tp} tasks ({@link TrainStage}); exports the last checkpoint as a
 * Hugging Face directory. Everything goes under {@code checkpointDir} (any Hadoop path): {@code data/},
 * {@code checkpoints/}, {@code model/step-N/}. Fitting again with the same data and {@code checkpointDir}
 * resumes from the last committed checkpoint; with more {@code steps}, it trains on from there.
 */
public final class LomoFineTuner extends Estimator<LomoModel> implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> promptCol;
    private final Param<String> answerCol;
    private final Param<String> candidatesCol;
    private final Param<String> scoresCol;
    private final Param<String> predictionCol;
    private final Param<String> model;
    private final Param<String> initFrom;
    private final Param<String> tokenizer;
    private final IntParam maxLength;
    private final IntParam dp;
    private final IntParam tp;
    private final LongParam steps;
    private final IntParam batchSize;
    private final DoubleParam learningRate;
    private final IntParam warmupSteps;
    private final DoubleParam clipNorm;
    private final LongParam seed;
    private final Param<String> optimizer;
    private final Param<String> checkpointDir;
    private final IntParam saveEvery;

    public LomoFineTuner() {
        this(Identifiable.randomUID("lomoFineTuner"));
    }

    public LomoFineTuner(String uid) {
        this.uid = uid; // before the params: each records its owner's uid
        promptCol = LomoParams.promptCol(this);
        answerCol = new Param<>(this, "answerCol", "the answer column (string): the text the loss is on; it is "
                + "appended to the prompt as is, so put the separating space in front (\" yes\")",
                LomoParams.nonEmpty());
        candidatesCol = LomoParams.candidatesCol(this);
        scoresCol = LomoParams.scoresCol(this);
        predictionCol = LomoParams.predictionCol(this);
        model = new Param<>(this, "model", "the architecture: a preset name (tiny, llama-7b, ...) or a local "
                + "config.json path on every executor", LomoParams.nonEmpty());
        initFrom = new Param<>(this, "initFrom", "a local Hugging Face model directory (on every executor) to "
                + "fine-tune; unset: random initialization from seed", LomoParams.nonEmpty());
        tokenizer = LomoParams.tokenizer(this);
        maxLength = new IntParam(this, "maxLength", "the longest row in tokens (bos, prompt, answer, eos); a longer "
                + "row fails the fit", ParamValidators.gtEq(3));
        dp = new IntParam(this, "dp", "data-parallel ranks (dp x tp task slots must be free at once)",
                ParamValidators.gtEq(1));
        tp = new IntParam(this, "tp", "tensor-parallel ranks per replica", ParamValidators.gtEq(1));
        steps = new LongParam(this, "steps", "optimizer steps in all (a resumed run trains the missing ones)",
                ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "rows per step on each data-parallel rank",
                ParamValidators.gtEq(1));
        learningRate = new DoubleParam(this, "learningRate", "peak learning rate, reached after warmupSteps and "
                + "decayed linearly to 0; LOMO is plain SGD: the tiny model learns at 0.5, the paper fine-tunes "
                + "pretrained LLaMA at 3e-2", ParamValidators.gt(0));
        warmupSteps = new IntParam(this, "warmupSteps", "steps of linear warmup", ParamValidators.gtEq(0));
        clipNorm = new DoubleParam(this, "clipNorm", "global gradient-norm clip, 0 for none (clipping costs a "
                + "second backward pass)", ParamValidators.gtEq(0));
        seed = new LongParam(this, "seed", "random initialization and data order", ParamValidators.gtEq(0));
        optimizer = new Param<>(this, "optimizer", "lomo (SGD fused into the backward) or adalomo (adaptive, "
                + "factored second moments)", ParamValidators.inArray(List.of("lomo", "adalomo")));
        checkpointDir = new Param<>(this, "checkpointDir", "where the run lives, any Hadoop path (s3a://, hdfs://, "
                + "file:): data/, checkpoints/ (resumed from) and model/; required", LomoParams.nonEmpty());
        saveEvery = new IntParam(this, "saveEvery", "commit a checkpoint every this many steps (and at the end)",
                ParamValidators.gtEq(1));

        // the defaults: the demo (tiny byte-level model from scratch) on one rank
        setDefault(promptCol, "prompt");
        setDefault(answerCol, "answer");
        setDefault(candidatesCol, "candidates");
        setDefault(scoresCol, "scores");
        setDefault(predictionCol, "prediction");
        setDefault(model, "tiny");
        setDefault(tokenizer, LomoParams.BYTE_TOKENIZER);
        setDefault(maxLength, 256);
        setDefault(dp, 1);
        setDefault(tp, 1);
        setDefault(steps, 600L);
        setDefault(batchSize, 8);
        setDefault(learningRate, 0.5);
        setDefault(warmupSteps, 50);
        setDefault(clipNorm, 1.0);
        setDefault(seed, 1L);
        setDefault(optimizer, "lomo");
        setDefault(saveEvery, 100);
    }

    @Override
    public String uid() {
        return uid;
    }

    // ---- params: accessor, getter, fluent setter

    public Param<String> promptCol() {
        return promptCol;
    }

    public String getPromptCol() {
        return getOrDefault(promptCol);
    }

    public LomoFineTuner setPromptCol(String value) {
        set(promptCol, value);
        return this;
    }

    public Param<String> answerCol() {
        return answerCol;
    }

    public String getAnswerCol() {
        return getOrDefault(answerCol);
    }

    public LomoFineTuner setAnswerCol(String value) {
        set(answerCol, value);
        return this;
    }

    public Param<String> candidatesCol() {
        return candidatesCol;
    }

    public String getCandidatesCol() {
        return getOrDefault(candidatesCol);
    }

    public LomoFineTuner setCandidatesCol(String value) {
        set(candidatesCol, value);
        return this;
    }

    public Param<String> scoresCol() {
        return scoresCol;
    }

    public String getScoresCol() {
        return getOrDefault(scoresCol);
    }

    public LomoFineTuner setScoresCol(String value) {
        set(scoresCol, value);
        return this;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public String getPredictionCol() {
        return getOrDefault(predictionCol);
    }

    public LomoFineTuner setPredictionCol(String value) {
        set(predictionCol, value);
        return this;
    }

    public Param<String> model() {
        return model;
    }

    public String getModel() {
        return getOrDefault(model);
    }

    public LomoFineTuner setModel(String value) {
        set(model, value);
        return this;
    }

    public Param<String> initFrom() {
        return initFrom;
    }

    /** Null when unset (random initialization). */
    public String getInitFrom() {
        return isDefined(initFrom) ? getOrDefault(initFrom) : null;
    }

    public LomoFineTuner setInitFrom(String value) {
        set(initFrom, value);
        return this;
    }

    public Param<String> tokenizer() {
        return tokenizer;
    }

    public String getTokenizer() {
        return getOrDefault(tokenizer);
    }

    public LomoFineTuner setTokenizer(String value) {
        set(tokenizer, value);
        return this;
    }

    public IntParam maxLength() {
        return maxLength;
    }

    public int getMaxLength() {
        return (Integer) getOrDefault(maxLength);
    }

    public LomoFineTuner setMaxLength(int value) {
        set(maxLength, value);
        return this;
    }

    public IntParam dp() {
        return dp;
    }

    public int getDp() {
        return (Integer) getOrDefault(dp);
    }

    public LomoFineTuner setDp(int value) {
        set(dp, value);
        return this;
    }

    public IntParam tp() {
        return tp;
    }

    public int getTp() {
        return (Integer) getOrDefault(tp);
    }

    public LomoFineTuner setTp(int value) {
        set(tp, value);
        return this;
    }

    public LongParam steps() {
        return steps;
    }

    public long getSteps() {
        return (Long) getOrDefault(steps);
    }

    public LomoFineTuner setSteps(long value) {
        set(steps, value);
        return this;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public LomoFineTuner setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public double getLearningRate() {
        return (Double) getOrDefault(learningRate);
    }

    public LomoFineTuner setLearningRate(double value) {
        set(learningRate, value);
        return this;
    }

    public IntParam warmupSteps() {
        return warmupSteps;
    }

    public int getWarmupSteps() {
        return (Integer) getOrDefault(warmupSteps);
    }

    public LomoFineTuner setWarmupSteps(int value) {
        set(warmupSteps, value);
        return this;
    }

    public DoubleParam clipNorm() {
        return clipNorm;
    }

    public double getClipNorm() {
        return (Double) getOrDefault(clipNorm);
    }

    public LomoFineTuner setClipNorm(double value) {
        set(clipNorm, value);
        return this;
    }

    public LongParam seed() {
        return seed;
    }

    public long getSeed() {
        return (Long) getOrDefault(seed);
    }

    public LomoFineTuner setSeed(long value) {
        set(seed, value);
        return this;
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public String getOptimizer() {
        return getOrDefault(optimizer);
    }

    public LomoFineTuner setOptimizer(String value) {
        set(optimizer, value);
        return this;
    }

    public Param<String> checkpointDir() {
        return checkpointDir;
    }

    /** Null when unset. */
    public String getCheckpointDir() {
        return isDefined(checkpointDir) ? getOrDefault(checkpointDir) : null;
    }

    public LomoFineTuner setCheckpointDir(String value) {
        set(checkpointDir, value);
        return this;
    }

    public IntParam saveEvery() {
        return saveEvery;
    }

    public int getSaveEvery() {
        return (Integer) getOrDefault(saveEvery);
    }

    public LomoFineTuner setSaveEvery(int value) {
        set(saveEvery, value);
        return this;
    }

    // ---- the stage

    /**
     * Checks the training columns (prompt and answer, strings); the schema is returned as is, with the model's
     * output columns added when it already has the candidates column.
     */
    @Override
    public StructType transformSchema(StructType schema) {
        LomoParams.requireColumn(schema, getPromptCol(), DataTypes.StringType, "promptCol");
        LomoParams.requireColumn(schema, getAnswerCol(), DataTypes.StringType, "answerCol");
        if (!List.of(schema.fieldNames()).contains(getCandidatesCol())) {
            return schema;
        }
        LomoParams.requireColumn(schema, getCandidatesCol(), LomoParams.stringArray(), "candidatesCol");
        return LomoParams.withScores(schema, getScoresCol(), getPredictionCol());
    }

    @Override
    public LomoModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        TorchLoader.load(false); // the driver too, under the lock the executors of its host take (TorchLoader)
        String root = getCheckpointDir();
        if (root == null) {
            throw new IllegalArgumentException("checkpointDir is not set: the run's data, checkpoints and model go "
                    + "there (any Hadoop path, e.g. s3a://bucket/runs/x)");
        }
        try {
            return train(dataset.sparkSession(), dataset.select(getPromptCol(), getAnswerCol()), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LomoModel train(SparkSession spark, Dataset<Row> pairs, String root) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        TokenizerSpec.Loaded loaded = TokenizerSpec.parse(getTokenizer()).load(conf);
        Tokenizer t = loaded.tokenizer();
        LlamaConfig config = LlamaConfig.of(getModel());
        if (t.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + getTokenizer() + " has " + t.vocabSize() + " ids, more "
                    + "than model " + getModel() + "'s vocabulary of " + config.vocabSize());
        }
        String checkpoints = root + "/checkpoints";
        HadoopCheckpointStore store = new HadoopCheckpointStore(checkpoints, conf);
        var done = ShardedCheckpoints.latestStep(store);
        TrainingData.Written data = TrainingData.write(spark, pairs, loaded, getMaxLength(), root + "/data",
                getDp(), done.isPresent());
        System.out.printf("fine-tuning on %d rows (%d tokens, the longest %d)%n", data.rows(), data.tokens(),
                data.longestRow());
        TrainSpec spec = new TrainSpec(root + "/data", checkpoints, getModel(), getInitFrom(), getSeed(), getDp(),
                getTp(), getSteps(), getBatchSize(), data.longestRow() - 1, 1, getOptimizer(), getLearningRate(),
                getWarmupSteps(), getClipNorm(), getSaveEvery(), 2, 0, t.pad(), 300, 0, HadoopSettings.of(conf));
        if (done.isEmpty() || done.get() < getSteps()) {
            TrainStage.run(spark, spec, System.out, null);
        }
        String hfTokenizer = LomoParams.BYTE_TOKENIZER.equals(getTokenizer()) ? null : getTokenizer();
        String location = ModelDirectory.export(store, getSteps(),
                String.format(java.util.Locale.ROOT, "%s/model/step-%08d", root, getSteps()), hfTokenizer, conf);
        LomoModel fitted = new LomoModel(uid, location);
        return copyValues(fitted, ParamMap.empty()).setParent(this);
    }

    @Override
    public LomoFineTuner copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    // ---- persistence: params only

    @Override
    public MLWriter write() {
        return StageMetadata.writer(this, (path, spark) -> { });
    }

    public static MLReader<LomoFineTuner> read() {
        return StageMetadata.reader(LomoFineTuner.class, (saved, path, spark) -> new LomoFineTuner(saved.uid()));
    }

    public static LomoFineTuner load(String path) {
        return read().load(path);
    }
}
