// The Spark ML API on a GPU host: LomoFineTuner.fit, LomoModel.transform and LomoModel.generate with the tiny
// model on the bundled synthetic BoolQ, through Spark's GPU scheduling (conf/gpu/local-cluster.conf with one GPU).
// Run by bench/estimator-gpu.sh through the bundle's launcher (LOMO_MAIN=bench/EstimatorGpu.java): a benchmark
// driver, not part of the product. Cases, each fitted from the same seed: cuda f32, cpu f32 (the reference: the
// same math on the CPU), cuda bf16. Prints one JSON line per case, then one comparing cuda f32 with cpu f32:
// the loss curves, the scores of one model scored on both devices, and its greedy answers generated on both.
//   EstimatorGpu OUT_DIR WORK_DIR [STEPS]
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.prompt.PromptTemplates;
import org.lomospark.datasets.prompt.Rendered;
import org.lomospark.datasets.prompt.SuperGluePrompts;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.pipeline.cli.BundledSamples;
import org.lomospark.pipeline.config.PipelineConfig;
import org.lomospark.pipeline.ml.LomoFineTuner;
import org.lomospark.pipeline.ml.LomoModel;

public class EstimatorGpu {
    record Fitted(String name, LomoModel model, List<Double> losses, Map<String, Object> line) {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Path work = Path.of(args[1]);
        long steps = args.length > 2 ? Long.parseLong(args[2]) : 450;
        Files.createDirectories(out);
        // the GPU scheduling settings of conf/gpu/local-cluster.conf, for one GPU
        PipelineConfig gpu = PipelineConfig.load(List.of(Path.of(System.getenv("LOMO_HOME"), "conf/gpu/local-cluster.conf")),
                List.of("spark.\"spark.master\"=\"local-cluster[1,1,32768]\"",
                        "spark.\"spark.worker.resource.gpu.amount\"=1", "train.dp=1"));
        SparkSession.Builder builder = SparkSession.builder().appName("estimator-gpu")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.log.level", "WARN");
        gpu.spark().forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        Path input = BundledSamples.copy(BundledSamples.SYNTHETIC, List.of(SuperGlueTask.BOOLQ),
                List.of(Split.TRAIN, Split.VAL), work.resolve("input"));
        Dataset<Row> train = rows(spark, input, Split.TRAIN, false).cache();
        Dataset<Row> val = rows(spark, input, Split.VAL, true).cache();
        Dataset<Row> prompts = val.limit(32).cache();
        List<String> lines = new ArrayList<>();
        Fitted cudaF32 = fit("cuda-f32", "cuda", "f32", steps, train, val, prompts, work, lines);
        Fitted cpuF32 = fit("cpu-f32", "cpu", "f32", steps, train, val, prompts, work, lines);
        fit("cuda-bf16", "cuda", "bf16", steps, train, val, prompts, work, lines);

        // one model (trained on the GPU in f32), scored and continued on each device
        LomoModel onCpu = cudaF32.model().copy(ParamMap.empty()).setDevice("cpu").setDtype("f32");
        LomoModel onGpu = cudaF32.model().copy(ParamMap.empty()).setDevice("cuda").setDtype("f32");
        List<Row> scoresCpu = onCpu.transform(prompts).select("scores").collectAsList();
        List<Row> scoresGpu = onGpu.transform(prompts).select("scores").collectAsList();
        double maxScoreDiff = 0;
        for (int i = 0; i < scoresCpu.size(); i++) {
            List<Double> a = scoresCpu.get(i).getList(0);
            List<Double> b = scoresGpu.get(i).getList(0);
            for (int k = 0; k < a.size(); k++) {
                maxScoreDiff = Math.max(maxScoreDiff, Math.abs(a.get(k) - b.get(k)));
            }
        }
        List<Row> genCpu = onCpu.copy(ParamMap.empty()).setMaxNewTokens(16).generate(prompts).select("generated")
                .collectAsList();
        List<Row> genGpu = onGpu.copy(ParamMap.empty()).setMaxNewTokens(16).generate(prompts).select("generated")
                .collectAsList();
        int same = 0;
        for (int i = 0; i < genCpu.size(); i++) {
            same += genCpu.get(i).getString(0).equals(genGpu.get(i).getString(0)) ? 1 : 0;
        }
        double maxLossDiff10 = 0;
        double maxLossDiff = 0;
        for (int k = 0; k < cudaF32.losses().size(); k++) {
            double d = Math.abs(cudaF32.losses().get(k) - cpuF32.losses().get(k));
            maxLossDiff = Math.max(maxLossDiff, d);
            if (k < 10) {
                maxLossDiff10 = d > maxLossDiff10 ? d : maxLossDiff10;
            }
        }
        Map<String, Object> cmp = new LinkedHashMap<>();
        cmp.put("compare", "cuda-f32 vs cpu-f32");
        cmp.put("max_abs_loss_diff_first_10_steps", maxLossDiff10);
        cmp.put("max_abs_loss_diff_all_steps", maxLossDiff);
        cmp.put("max_abs_score_diff_same_model", maxScoreDiff);
        cmp.put("greedy_answers_same_model_identical", same + "/" + genCpu.size());
        lines.add(json(cmp));
        Files.write(out.resolve("estimator-gpu.jsonl"), lines);
        lines.forEach(System.out::println);
        spark.stop();
    }

    static Fitted fit(String name, String device, String dtype, long steps, Dataset<Row> train, Dataset<Row> val,
                      Dataset<Row> prompts, Path work, List<String> lines) throws Exception {
        Path dir = work.resolve(name);
        LomoFineTuner tuner = new LomoFineTuner().setModel("tiny").setTokenizer("byte")
                .setSteps(steps).setBatch(16).setLr(0.5).setWarmup(50).setClipNorm(1.0).setDp(1).setSeed(1)
                .setSaveEvery((int) steps).setDevice(device).setDtype(dtype)
                .setCheckpointDir(dir.toUri().toString());
        long t0 = System.nanoTime();
        LomoModel model = tuner.fit(train);
        double fitS = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        List<Row> scored = model.transform(val).select("label", "prediction").collectAsList();
        double transformS = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        List<Row> generated = model.copy(ParamMap.empty()).setMaxNewTokens(16).generate(prompts)
                .select("candidates", "generated").collectAsList();
        double generateS = (System.nanoTime() - t0) / 1e9;
        long right = scored.stream().filter(r -> r.getInt(0) == r.getInt(1)).count();
        long yes = scored.stream().filter(r -> r.getInt(0) == 0).count();
        int answers = 0;
        for (Row r : generated) {
            answers += r.getList(0).contains(r.getString(1)) ? 1 : 0;
        }
        List<Double> losses = new ArrayList<>();
        double peak = 0;
        for (String l : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            losses.add(field(l, "loss"));
            if (l.contains("\"gpu_peak_gib\"")) {
                peak = Math.max(peak, field(l, "gpu_peak_gib"));
            }
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("case", name);
        j.put("device", device);
        j.put("dtype", dtype);
        j.put("steps", steps);
        j.put("metrics_lines", losses.size());
        j.put("fit_s", fitS);
        j.put("first_loss", losses.get(0));
        j.put("last_loss", losses.get(losses.size() - 1));
        j.put("gpu_peak_gib", device.equals("cuda") ? peak : null);
        j.put("val_accuracy", (double) right / scored.size());
        j.put("majority_baseline", (double) Math.max(yes, scored.size() - yes) / scored.size());
        j.put("val_questions", scored.size());
        j.put("transform_s", transformS);
        j.put("generate_s", generateS);
        j.put("greedy_answers_that_are_a_candidate", answers + "/" + generated.size());
        j.put("example_generated", generated.get(0).getString(1));
        lines.add(json(j));
        System.out.println(lines.get(lines.size() - 1));
        return new Fitted(name, model, losses, j);
    }

    static double field(String jsonLine, String key) {
        int at = jsonLine.indexOf("\"" + key + "\":") + key.length() + 3;
        int end = at;
        while (end < jsonLine.length() && ",}".indexOf(jsonLine.charAt(end)) < 0) {
            end++;
        }
        return Double.parseDouble(jsonLine.substring(at, end));
    }

    static String json(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            b.append(b.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            b.append(v instanceof String s ? "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""
                    : v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : String.valueOf(v));
        }
        return b.append('}').toString();
    }

    /** The BoolQ records of a split as (prompt, answer) rows, or (prompt, candidates, label) with candidates. */
    static Dataset<Row> rows(SparkSession spark, Path input, Split split, boolean candidates) throws Exception {
        SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
        List<Row> rows = new ArrayList<>();
        for (Parsed<SuperGlueRecord> p : JsonlFile.read(SuperGlueTask.BOOLQ.file(input, split),
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
}
