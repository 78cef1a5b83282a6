package org.lomospark.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.PrepareJob;
import org.lomospark.datasets.prepare.PrepareSpec;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.pipeline.eval.EvaluateStage;
import org.lomospark.pipeline.eval.EvalReport;
import org.lomospark.pipeline.eval.TaskResult;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.train.LossCurve;
import org.lomospark.pipeline.train.TrainSpec;
import org.lomospark.pipeline.train.TrainStage;
import org.lomospark.trainer.engine.CheckpointExport;
import org.lomospark.trainer.engine.ShardedCheckpoints;
import org.lomospark.trainer.io.LocalCheckpointStore;

/**
 * {@code run}: prepare, train, export and evaluate under one run directory. Each stage is skipped when its
 * output is already complete, and training resumes from its last checkpoint, so rerunning an interrupted run
 * finishes it. The embedded default is the demo: the bundled synthetic BoolQ, the tiny model, local Spark.
 *
 * <pre>
 * Run.Settings s = Run.Settings.defaults(Path.of("runs/demo"));
 * EvalReport report = Run.run(spark, s, System.out);
 * </pre>
 */
public final class Run {
    private Run() {}

    /**
     * @param input a SuperGLUE-layout root, or null for the bundled synthetic BoolQ (copied into the run)
     * @param tasks the tasks to prepare, train on and evaluate (their val split)
     */
    public record Settings(Path out, String input, List<SuperGlueTask> tasks, String model, long seed, int dp, int tp,
                           long steps, int batch, double lr, int warmup, double clipNorm, int saveEvery,
                           int maxLength) {
        /** The demo: synthetic BoolQ, tiny model, 600 LOMO steps of 2 x 8 rows (2 data-parallel ranks), lr 0.5. */
        public static Settings defaults(Path out) {
            return new Settings(out, null, List.of(SuperGlueTask.BOOLQ), "tiny", 1, 2, 1, 600, 8, 0.5, 50, 1.0,
                    100, 256);
        }
    }

    public static EvalReport run(SparkSession spark, Settings s, PrintStream out) throws IOException {
        Files.createDirectories(s.out());
        Path input = s.input() != null ? Path.of(s.input())
                : BundledSamples.copy(BundledSamples.SYNTHETIC, s.tasks(), List.of(Split.TRAIN, Split.VAL),
                        s.out().resolve("input"));
        Path prepared = s.out().resolve("prepared");
        out.printf("[1/4] prepare %s -> %s%n", input, prepared);
        Manifest m = PrepareJob.run(spark, PrepareSpec.builder(prepared.toString())
                .superGlue(input.toString(), s.tasks(), List.of(Split.TRAIN, Split.VAL))
                .maxLength(s.maxLength()).shards(Math.max(4, s.dp())).build());
        out.printf("      %d train rows, %d eval rows, %d bad lines%n", m.trainRows(), m.evalRows(), m.bad());

        Path checkpoints = s.out().resolve("checkpoints");
        out.printf("[2/4] train -> %s%n", checkpoints);
        int pad = new ByteTokenizer().pad();
        TrainSpec spec = new TrainSpec(prepared.toString(), checkpoints.toString(), s.model(), null, s.seed(), s.dp(),
                s.tp(), s.steps(), s.batch(), m.longestRow() - 1, 1, "lomo", s.lr(), s.warmup(), s.clipNorm(),
                s.saveEvery(), 2, 0, pad, 300, 0, HadoopSettings.of(spark.sparkContext().hadoopConfiguration()));
        LocalCheckpointStore store = new LocalCheckpointStore(checkpoints);
        var done = ShardedCheckpoints.latestStep(store);
        if (done.isPresent() && done.get() >= s.steps()) {
            out.printf("      already trained to step %d%n", done.get());
        } else {
            TrainStage.run(spark, spec, out, s.out().resolve("metrics.jsonl"));
            LossCurve.write(s.out().resolve("metrics.jsonl"), s.out().resolve("loss.png"));
            out.printf("      loss curve %s%n", s.out().resolve("loss.png"));
        }

        Path model = s.out().resolve("model");
        out.printf("[3/4] export step %d -> %s%n", s.steps(), model);
        if (!Files.exists(model.resolve("config.json"))) {
            CheckpointExport.export(store, s.steps(), model);
        }

        out.printf("[4/4] evaluate %s on the val split%n", model);
        EvalReport report = EvaluateStage.run(spark, model.toAbsolutePath().toString(), prepared.toString(), "val",
                spark.sparkContext().defaultParallelism(), 32, pad);
        out.print(report.table());
        ObjectNode json = new ObjectMapper().createObjectNode();
        for (TaskResult t : report.tasks()) {
            ObjectNode task = json.putObject(t.task());
            task.put("questions", t.groups());
            t.metrics().forEach(task::put);
            task.put("majority_baseline", t.majorityBaseline());
        }
        Files.writeString(s.out().resolve("eval.json"), json.toPrettyString());
        out.printf(Locale.ROOT, "model: %s%n", model.toAbsolutePath());
        return report;
    }

    /** {@code --key value} overrides of the defaults. */
    static Settings parse(Map<String, String> o) {
        Settings d = Settings.defaults(Path.of(o.getOrDefault("out", "runs/demo")));
        return new Settings(d.out(), o.getOrDefault("input", null),
                o.containsKey("tasks") ? java.util.Arrays.stream(o.get("tasks").split(","))
                        .map(SuperGlueTask::fromDirName).toList() : d.tasks(),
                o.getOrDefault("model", d.model()), Long.parseLong(o.getOrDefault("seed", "" + d.seed())),
                Integer.parseInt(o.getOrDefault("dp", "" + d.dp())), Integer.parseInt(o.getOrDefault("tp", "" + d.tp())),
                Long.parseLong(o.getOrDefault("steps", "" + d.steps())),
                Integer.parseInt(o.getOrDefault("batch", "" + d.batch())),
                Double.parseDouble(o.getOrDefault("lr", "" + d.lr())),
                Integer.parseInt(o.getOrDefault("warmup", "" + d.warmup())),
                Double.parseDouble(o.getOrDefault("clip-norm", "" + d.clipNorm())),
                Integer.parseInt(o.getOrDefault("save-every", "" + d.saveEvery())),
                Integer.parseInt(o.getOrDefault("max-length", "" + d.maxLength())));
    }
}
