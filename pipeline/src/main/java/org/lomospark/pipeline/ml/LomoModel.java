package org.lomospark.pipeline.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lomospark.pipeline.store.ModelDirectory;
import org.lomospark.datasets.prepare.TokenizerSpec;
import org.lomospark.pipeline.store.HadoopSettings;

/**
 * A fine-tuned LLaMA model as a Spark ML {@link Model}: {@link #transform} scores each row's candidate answers
 * by their mean log-likelihood given the prompt (the LOMO paper's SuperGLUE evaluation) and predicts the best.
 *
 * <pre>{@code
 * Dataset<Row> scored = model.transform(val);   // prompt: string, candidates: array<string>
 * scored.select("prompt", "candidates", "scores", "prediction").show();
 * model.write().overwrite().save("s3a://bucket/models/boolq");
 * LomoModel again = LomoModel.load("s3a://bucket/models/boolq");
 * }</pre>
 *
 * <p>Its weights are a Hugging Face directory ({@link #location()}: config.json, safetensors and, for a
 * Hugging Face tokenizer, its files) on any Hadoop filesystem. {@code transform} is lazy, like any Spark
 * transformation: each action on its result scores again, so cache a result that is used twice. Every task
 * loads the model once on its {@code device} (the CPU, or the GPU Spark assigned it) and scores its partition's
 * rows. A fitted model scores on the device and dtype it was trained on unless they are set.
 *
 * <p>{@link #generate} answers prompts: {@code model.setMaxNewTokens(32).generate(prompts)} adds a
 * {@code generated} column (greedy, or seeded top-p with {@code setTemperature}; {@code setChatTemplate(true)} for
 * an instruction-tuned model).
 *
 * <p>Saved as MLlib saves models: the params as JSON in {@code <path>/metadata}, the weights (and tokenizer
 * files) copied to {@code <path>/data} through the Hadoop FileSystem.
 */
public final class LomoModel extends Model<LomoModel> implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final String location;
    private final Param<String> promptCol;
    private final Param<String> candidatesCol;
    private final Param<String> scoresCol;
    private final Param<String> predictionCol;
    private final Param<String> tokenizer;
    private final IntParam scoreBatchSize;
    private final Param<String> device;
    private final Param<String> dtype;
    private final Param<String> generatedCol;
    private final IntParam maxNewTokens;
    private final DoubleParam temperature;
    private final DoubleParam topP;
    private final LongParam seed;
    private final BooleanParam chatTemplate;
    private final IntParam generateBatchSize;

    /** @param location the model's Hugging Face directory, any Hadoop path */
    public LomoModel(String uid, String location) {
        this.uid = uid; // before the params: each records its owner's uid
        this.location = location;
        promptCol = LomoParams.promptCol(this);
        candidatesCol = LomoParams.candidatesCol(this);
        scoresCol = LomoParams.scoresCol(this);
        predictionCol = LomoParams.predictionCol(this);
        tokenizer = LomoParams.tokenizer(this);
        scoreBatchSize = new IntParam(this, "scoreBatchSize", "candidates per forward pass when scoring (memory "
                + "against per-call overhead)", ParamValidators.gtEq(1));
        // named as the fine-tuner's: a fitted model scores where it was trained (copyValues), unless set
        device = new Param<>(this, "device", "where transform's tasks score: cpu, or cuda (each task on the GPU "
                + "Spark assigned it: spark.task.resource.gpu.amount=1)", ParamValidators.inArray(
                        java.util.List.of("cpu", "cuda")));
        dtype = new Param<>(this, "dtype", "the weights' type when scoring: f32, bf16 or f16 (GPUs)",
                ParamValidators.inArray(java.util.List.of("f32", "bf16", "f16")));
        generatedCol = new Param<>(this, "generatedCol", "generate's output column (string): each prompt's "
                + "continuation, without the eos it stopped at", LomoParams.nonEmpty());
        maxNewTokens = new IntParam(this, "maxNewTokens", "generate: a continuation stops after this many tokens "
                + "(or at eos)", ParamValidators.gtEq(1));
        temperature = new DoubleParam(this, "temperature", "generate: 0 picks the most likely token (greedy); above "
                + "0 samples from the top-p tokens at this temperature", ParamValidators.gtEq(0));
        topP = new DoubleParam(this, "topP", "generate with temperature > 0: sample among the fewest most likely "
                + "tokens whose probabilities reach this sum", ParamValidators.inRange(0, 1, false, true));
        seed = new LongParam(this, "seed", "generate with temperature > 0: the same seed, prompts and partitioning "
                + "give the same continuations", ParamValidators.gtEq(0));
        chatTemplate = new BooleanParam(this, "chatTemplate", "generate: render each prompt as an instruction's "
                + "user turn with the chat template the instruction data is trained with (conf: prepare.instruct), "
                + "so an instruction-tuned model answers it; false: the prompt as is, after bos");
        generateBatchSize = new IntParam(this, "generateBatchSize", "generate: prompts continued together (one "
                + "KV cache per batch)", ParamValidators.gtEq(1));

        setDefault(promptCol, "prompt");
        setDefault(candidatesCol, "candidates");
        setDefault(scoresCol, "scores");
        setDefault(predictionCol, "prediction");
        setDefault(tokenizer, LomoParams.BYTE_TOKENIZER);
        setDefault(scoreBatchSize, 32);
        setDefault(device, "cpu");
        setDefault(dtype, "f32");
        setDefault(generatedCol, "generated");
        setDefault(maxNewTokens, 64);
        setDefault(temperature, 0.0);
        setDefault(topP, 1.0);
        setDefault(seed, 0L);
        setDefault(chatTemplate, false);
        setDefault(generateBatchSize, 16);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The Hugging Face model directory this model reads (any Hadoop path). */
    public String location() {
        return location;
    }

    public Param<String> promptCol() {
        return promptCol;
    }

    public String getPromptCol() {
        return getOrDefault(promptCol);
    }

    public LomoModel setPromptCol(String value) {
        set(promptCol, value);
        return this;
    }

    public Param<String> candidatesCol() {
        return candidatesCol;
    }

    public String getCandidatesCol() {
        return getOrDefault(candidatesCol);
    }

    public LomoModel setCandidatesCol(String value) {
        set(candidatesCol, value);
        return this;
    }

    public Param<String> scoresCol() {
        return scoresCol;
    }

    public String getScoresCol() {
        return getOrDefault(scoresCol);
    }

    public LomoModel setScoresCol(String value) {
        set(scoresCol, value);
        return this;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public String getPredictionCol() {
        return getOrDefault(predictionCol);
    }

    public LomoModel setPredictionCol(String value) {
        set(predictionCol, value);
        return this;
    }

    /** The tokenizer the model was fitted with: "byte", or where the files it keeps a copy of came from. */
    public Param<String> tokenizer() {
        return tokenizer;
    }

    public String getTokenizer() {
        return getOrDefault(tokenizer);
    }

    public LomoModel setTokenizer(String value) {
        set(tokenizer, value);
        return this;
    }

    public IntParam scoreBatchSize() {
        return scoreBatchSize;
    }

    public int getScoreBatchSize() {
        return (Integer) getOrDefault(scoreBatchSize);
    }

    public LomoModel setScoreBatchSize(int value) {
        set(scoreBatchSize, value);
        return this;
    }

    public Param<String> device() {
        return device;
    }

    public String getDevice() {
        return getOrDefault(device);
    }

    public LomoModel setDevice(String value) {
        set(device, value);
        return this;
    }

    public Param<String> dtype() {
        return dtype;
    }

    public String getDtype() {
        return getOrDefault(dtype);
    }

    public LomoModel setDtype(String value) {
        set(dtype, value);
        return this;
    }

    public Param<String> generatedCol() {
        return generatedCol;
    }

    public String getGeneratedCol() {
        return getOrDefault(generatedCol);
    }

    public LomoModel setGeneratedCol(String value) {
        set(generatedCol, value);
        return this;
    }

    public IntParam maxNewTokens() {
        return maxNewTokens;
    }

    public int getMaxNewTokens() {
        return (Integer) getOrDefault(maxNewTokens);
    }

    public LomoModel setMaxNewTokens(int value) {
        set(maxNewTokens, value);
        return this;
    }

    public DoubleParam temperature() {
        return temperature;
    }

    public double getTemperature() {
        return (Double) getOrDefault(temperature);
    }

    public LomoModel setTemperature(double value) {
        set(temperature, value);
        return this;
    }

    public DoubleParam topP() {
        return topP;
    }

    public double getTopP() {
        return (Double) getOrDefault(topP);
    }

    public LomoModel setTopP(double value) {
        set(topP, value);
        return this;
    }

    public LongParam seed() {
        return seed;
    }

    public long getSeed() {
        return (Long) getOrDefault(seed);
    }

    public LomoModel setSeed(long value) {
        set(seed, value);
        return this;
    }

    public BooleanParam chatTemplate() {
        return chatTemplate;
    }

    public boolean getChatTemplate() {
        return (Boolean) getOrDefault(chatTemplate);
    }

    public LomoModel setChatTemplate(boolean value) {
        set(chatTemplate, value);
        return this;
    }

    public IntParam generateBatchSize() {
        return generateBatchSize;
    }

    public int getGenerateBatchSize() {
        return (Integer) getOrDefault(generateBatchSize);
    }

    public LomoModel setGenerateBatchSize(int value) {
        set(generateBatchSize, value);
        return this;
    }

    // ---- the stage

    @Override
    public StructType transformSchema(StructType schema) {
        LomoParams.requireColumn(schema, getPromptCol(), DataTypes.StringType, "promptCol");
        LomoParams.requireColumn(schema, getCandidatesCol(), LomoParams.stringArray(), "candidatesCol");
        return LomoParams.withScores(schema, getScoresCol(), getPredictionCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        Dataset<Row> rows = dataset.toDF();
        CandidateScoring score = new CandidateScoring(taskModel(spark), rows.schema().fieldIndex(getPromptCol()),
                rows.schema().fieldIndex(getCandidatesCol()), getScoreBatchSize());
        JavaRDD<Row> scored = rows.javaRDD().mapPartitions(score);
        return spark.createDataFrame(scored, out);
    }

    /**
     * Continues each row's prompt: {@code generatedCol} (string) is added, the prompt column must be a string.
     * Greedy by default, or seeded top-p sampling ({@code temperature}, {@code topP}, {@code seed}); each task loads
     * the model once on its {@code device} and continues its partition's prompts in batches with a KV cache.
     * Lazy, like {@link #transform}.
     */
    public Dataset<Row> generate(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        LomoParams.requireColumn(schema, getPromptCol(), DataTypes.StringType, "promptCol");
        if (java.util.Arrays.asList(schema.fieldNames()).contains(getGeneratedCol())) {
            throw new IllegalArgumentException("output column '" + getGeneratedCol() + "' is already in the data");
        }
        StructType out = schema.add(getGeneratedCol(), DataTypes.StringType, false);
        SparkSession spark = dataset.sparkSession();
        Dataset<Row> rows = dataset.toDF();
        Generation generation = new Generation(taskModel(spark), rows.schema().fieldIndex(getPromptCol()),
                new Generation.Settings(getMaxNewTokens(), getTemperature(), getTopP(), getSeed(),
                        getGenerateBatchSize(), getChatTemplate()));
        return spark.createDataFrame(rows.javaRDD().mapPartitions(generation), out);
    }

    /** The model as tasks use it: the tokenizer read here and broadcast, the device and dtype of this model's. */
    private TaskModel taskModel(SparkSession spark) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        // left for Spark's cleaner: the result is lazy, and every action on it reads the broadcast again
        Broadcast<TokenizerSpec.Loaded> shared = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .broadcast(loadTokenizer(conf));
        return new TaskModel(location, HadoopSettings.of(conf), shared, getDevice(), getDtype());
    }

    /** The tokenizer the model was fitted with; a Hugging Face one's files travel in the model directory. */
    private TokenizerSpec.Loaded loadTokenizer(Configuration conf) {
        TokenizerSpec spec = LomoParams.BYTE_TOKENIZER.equals(getTokenizer()) ? TokenizerSpec.BYTE
                : new TokenizerSpec(location);
        try {
            return spec.load(conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public LomoModel copy(ParamMap extra) {
        return copyValues(new LomoModel(uid, location), extra).setParent(parent());
    }

    // ---- persistence: params as metadata, the model directory as data

    @Override
    public MLWriter write() {
        return StageMetadata.writer(this, (path, spark) -> ModelDirectory.copy(location, new Path(path, "data").toString(),
                spark.sparkContext().hadoopConfiguration()));
    }

    public static MLReader<LomoModel> read() {
        return StageMetadata.reader(LomoModel.class, (saved, path, spark) -> {
            Path data = new Path(path, "data");
            data = data.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(data);
            return new LomoModel(saved.uid(), data.toString());
        });
    }

    public static LomoModel load(String path) {
        return read().load(path);
    }
}
