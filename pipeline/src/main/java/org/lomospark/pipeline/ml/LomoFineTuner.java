package org.lomospark.pipeline.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
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
import org.lomospark.pipeline.store.RunDir;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.pipeline.train.TrainStage;
import org.lomospark.trainer.checkpoint.ShardedCheckpoints;
import org.lomospark.trainer.checkpoint.TrainingState;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.recipe.DataLayout;
import org.lomospark.trainer.recipe.Recipe;
import org.lomospark.trainer.tensor.TorchLoader;

/**
 * Full-parameter LOMO fine-tuning as a Spark ML {@link Estimator}: {@link #fit} trains a LLaMA model on a
 * DataFrame of prompts and answers (the loss on the answers) and returns a {@link LomoModel} that scores
 * candidate answers.
 *
 * <pre>{@code
 * LomoModel model = new LomoFineTuner()
 *         .setModel("tiny").setTokenizer("byte")
 *         .setSteps(600).setBatch(16).setLr(0.5)      // every setting of conf/: .setStrategy("hook") ...
 *         .setDevice("cuda").setDtype("bf16").setDp(4)
 *         .setCheckpointDir("s3a://bucket/runs/boolq")   // checkpoints, shards and the exported model
 *         .fit(train);                                   // columns prompt, answer (strings)
 * model.transform(val).select("prompt", "scores", "prediction").show();
 * model.write().overwrite().save("s3a://bucket/models/boolq");
 * }</pre>
 *
 * <p>{@code fit}: checks the schema; tokenizes the rows on the executors and writes them as trainer shards
 * (a row too long or without an answer fails the fit, counted and quoted, never dropped); runs the training
 * stage, one Spark barrier stage of {@code dp x tp} tasks ({@link TrainStage}) on the recipe's device and dtype;
 * exports the last checkpoint as a Hugging Face directory. The training settings are the recipe's, one Param per
 * setting of the pipeline's {@code train} and {@code model} blocks, named in camelCase ({@code micro-batches} is
 * {@code microBatches}) and documented and defaulted where those are (the embedded defaults file). Everything
 * goes under {@code checkpointDir} (any Hadoop path): {@code data/}, {@code checkpoints/}, {@code model/step-N/},
 * and the loss curve as the pipeline's run writes it ({@code metrics.jsonl}, {@code loss.png}). Fitting again
 * with the same data and {@code checkpointDir} resumes from the last committed checkpoint; with more
 * {@code steps}, it trains on from there.
 */
public final class LomoFineTuner extends Estimator<LomoModel> implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> promptCol;
    private final Param<String> answerCol;
    private final Param<String> candidatesCol;
    private final Param<String> scoresCol;
    private final Param<String> predictionCol;
    private final Param<String> tokenizer;
    private final IntParam maxLength;
    private final Param<String> checkpointDir;
    // the recipe: documented and defaulted in conf/lomo-spark-defaults.conf (RecipeParams)
    private final RecipeParams recipe;
    private final Param<String> model;
    private final Param<String> initFrom;
    private final LongParam steps;
    private final IntParam batch;
    private final IntParam microBatches;
    private final Param<String> optimizer;
    private final DoubleParam lr;
    private final Param<String> schedule;
    private final LongParam warmup;
    private final DoubleParam minLr;
    private final DoubleParam clipNorm;
    private final DoubleParam clipValue;
    private final DoubleParam weightDecay;
    private final LongParam seed;
    private final IntParam dp;
    private final IntParam tp;
    private final Param<String> device;
    private final Param<String> dtype;
    private final Param<String> strategy;
    private final BooleanParam offload;
    private final Param<String> initOn;
    private final IntParam threads;
    private final IntParam keepLast;
    private final Param<String> rendezvousTimeout;
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
        tokenizer = LomoParams.tokenizer(this);
        maxLength = new IntParam(this, "maxLength", "the longest row in tokens (bos, prompt, answer, eos); a longer "
                + "row fails the fit", ParamValidators.gtEq(3));
        checkpointDir = new Param<>(this, "checkpointDir", "where the run lives, any Hadoop path (s3a://, hdfs://, "
                + "file:): data/, checkpoints/ (resumed from) and model/; required", LomoParams.nonEmpty());
        recipe = new RecipeParams(this);
        model = recipe.string("model");
        initFrom = recipe.string("init-from");
        steps = recipe.longParam("steps");
        batch = recipe.intParam("batch");
        microBatches = recipe.intParam("micro-batches");
        optimizer = recipe.string("optimizer");
        lr = recipe.doubleParam("lr");
        schedule = recipe.string("schedule");
        warmup = recipe.longParam("warmup");
        minLr = recipe.doubleParam("min-lr");
        clipNorm = recipe.doubleParam("clip-norm");
        clipValue = recipe.doubleParam("clip-value");
        weightDecay = recipe.doubleParam("weight-decay");
        seed = recipe.longParam("seed");
        dp = recipe.intParam("dp");
        tp = recipe.intParam("tp");
        device = recipe.string("device");
        dtype = recipe.string("dtype");
        strategy = recipe.string("strategy");
        offload = recipe.booleanParam("offload");
        initOn = recipe.string("init-on");
        threads = recipe.intParam("threads");
        saveEvery = recipe.intParam("save-every");
        keepLast = recipe.intParam("keep-last");
        rendezvousTimeout = recipe.string("rendezvous-timeout");
        recipe.setDefaults(this::setRecipeDefault);

        // the columns' and the data's defaults; the recipe's are the defaults file's (the demo: the tiny model)
        setDefault(promptCol, "prompt");
        setDefault(answerCol, "answer");
        setDefault(candidatesCol, "candidates");
        setDefault(scoresCol, "scores");
        setDefault(predictionCol, "prediction");
        setDefault(tokenizer, LomoParams.BYTE_TOKENIZER);
        setDefault(maxLength, 256);
    }

    @SuppressWarnings("unchecked")
    private void setRecipeDefault(Param<?> param, Object value) {
        setDefault((Param<Object>) param, value);
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

    // ---- the recipe

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

    public IntParam batch() {
        return batch;
    }

    public int getBatch() {
        return (Integer) getOrDefault(batch);
    }

    public LomoFineTuner setBatch(int value) {
        set(batch, value);
        return this;
    }

    public IntParam microBatches() {
        return microBatches;
    }

    public int getMicroBatches() {
        return (Integer) getOrDefault(microBatches);
    }

    public LomoFineTuner setMicroBatches(int value) {
        set(microBatches, value);
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

    public DoubleParam lr() {
        return lr;
    }

    public double getLr() {
        return (Double) getOrDefault(lr);
    }

    public LomoFineTuner setLr(double value) {
        set(lr, value);
        return this;
    }

    public Param<String> schedule() {
        return schedule;
    }

    public String getSchedule() {
        return getOrDefault(schedule);
    }

    public LomoFineTuner setSchedule(String value) {
        set(schedule, value);
        return this;
    }

    public LongParam warmup() {
        return warmup;
    }

    public long getWarmup() {
        return (Long) getOrDefault(warmup);
    }

    public LomoFineTuner setWarmup(long value) {
        set(warmup, value);
        return this;
    }

    public DoubleParam minLr() {
        return minLr;
    }

    public double getMinLr() {
        return (Double) getOrDefault(minLr);
    }

    public LomoFineTuner setMinLr(double value) {
        set(minLr, value);
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

    public DoubleParam clipValue() {
        return clipValue;
    }

    public double getClipValue() {
        return (Double) getOrDefault(clipValue);
    }

    public LomoFineTuner setClipValue(double value) {
        set(clipValue, value);
        return this;
    }

    public DoubleParam weightDecay() {
        return weightDecay;
    }

    public double getWeightDecay() {
        return (Double) getOrDefault(weightDecay);
    }

    public LomoFineTuner setWeightDecay(double value) {
        set(weightDecay, value);
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

    public Param<String> device() {
        return device;
    }

    public String getDevice() {
        return getOrDefault(device);
    }

    public LomoFineTuner setDevice(String value) {
        set(device, value);
        return this;
    }

    public Param<String> dtype() {
        return dtype;
    }

    public String getDtype() {
        return getOrDefault(dtype);
    }

    public LomoFineTuner setDtype(String value) {
        set(dtype, value);
        return this;
    }

    public Param<String> strategy() {
        return strategy;
    }

    public String getStrategy() {
        return getOrDefault(strategy);
    }

    public LomoFineTuner setStrategy(String value) {
        set(strategy, value);
        return this;
    }

    public BooleanParam offload() {
        return offload;
    }

    public boolean getOffload() {
        return (Boolean) getOrDefault(offload);
    }

    public LomoFineTuner setOffload(boolean value) {
        set(offload, value);
        return this;
    }

    public Param<String> initOn() {
        return initOn;
    }

    public String getInitOn() {
        return getOrDefault(initOn);
    }

    public LomoFineTuner setInitOn(String value) {
        set(initOn, value);
        return this;
    }

    public IntParam threads() {
        return threads;
    }

    public int getThreads() {
        return (Integer) getOrDefault(threads);
    }

    public LomoFineTuner setThreads(int value) {
        set(threads, value);
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

    public IntParam keepLast() {
        return keepLast;
    }

    public int getKeepLast() {
        return (Integer) getOrDefault(keepLast);
    }

    public LomoFineTuner setKeepLast(int value) {
        set(keepLast, value);
        return this;
    }

    public Param<String> rendezvousTimeout() {
        return rendezvousTimeout;
    }

    public String getRendezvousTimeout() {
        return getOrDefault(rendezvousTimeout);
    }

    public LomoFineTuner setRendezvousTimeout(String value) {
        set(rendezvousTimeout, value);
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

    /** The recipe these Params give, over {@code source} with rows of {@code seq} tokens. */
    Recipe recipe(String source, int seq) {
        return recipe.recipe(this, source, seq);
    }

    /** The same stages as the pipeline's run: write the rows as trainer shards, train, export. */
    private LomoModel train(SparkSession spark, Dataset<Row> pairs, String root) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RunLayout run = new RunLayout(root);
        // every setting checked before any job starts; the rows' length is known once they are written
        Recipe checked = recipe(run.data(), getMaxLength() - 1);
        TrainSpec.check(checked);
        TokenizerSpec.Loaded loaded = TokenizerSpec.parse(getTokenizer()).load(conf);
        Tokenizer t = loaded.tokenizer();
        LlamaConfig config = checked.model().config();
        if (t.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + getTokenizer() + " has " + t.vocabSize() + " ids, more "
                    + "than model " + getModel() + "'s vocabulary of " + config.vocabSize());
        }
        HadoopCheckpointStore store = new HadoopCheckpointStore(run.checkpoints(), conf);
        var done = ShardedCheckpoints.latestStep(store);
        TrainingData.Written data = TrainingData.write(spark, pairs, loaded, getMaxLength(), run.data(),
                checked.runtime().dp(), done.isPresent());
        System.out.printf("fine-tuning on %d rows (%d tokens, the longest %d)%n", data.rows(), data.tokens(),
                data.longestRow());
        Recipe r = checked.withData(new DataLayout(run.data(), checked.data().batch(), data.longestRow() - 1))
                .withModel(checked.model().withTokens(LlamaConfig.SpecialTokens.of(t.bos(), t.eos(), t.pad())));
        long steps = r.hyper().steps();
        if (done.isEmpty() || done.get() < steps) {
            TrainStage.runInto(RunDir.open(root, conf), spark, new TrainSpec(r, run.checkpoints(), t.pad(),
                    HadoopSettings.of(conf)), System.out);
        }
        String hfTokenizer = LomoParams.BYTE_TOKENIZER.equals(getTokenizer()) ? null : getTokenizer();
        String location = ModelDirectory.export(store, steps, run.model(steps), hfTokenizer, conf);
        LomoModel fitted = new LomoModel(uid, location);
        return copyValues(fitted, ParamMap.empty()).setParent(this);
    }

    /** Where a fit's parts live under {@code checkpointDir}. */
    private record RunLayout(String root) {
        String data() {
            return root + "/data";
        }

        String checkpoints() {
            return root + "/checkpoints";
        }

        String model(long step) {
            return root + "/model/" + TrainingState.dirName(step);
        }
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
