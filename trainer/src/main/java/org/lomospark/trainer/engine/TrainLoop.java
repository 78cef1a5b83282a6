package org.lomospark.trainer.engine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.checkpoint.Checkpointer;
import org.lomospark.trainer.checkpoint.TrainingState;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.data.TokenSource;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.DynamicLossScaler;
import org.lomospark.trainer.optim.FusedOptimizer;
import org.lomospark.trainer.optim.LrSchedule;
import org.lomospark.trainer.tensor.Cuda;

/**
 * The training recipe, top to bottom: resume from the newest checkpoint if there is one, then for each step take
 * the next micro-batches, run the step, report, and checkpoint every {@code saveEvery} steps and at the end.
 * It receives built parts; wiring them from settings is the caller's job.
 *
 * <p>Each step's metrics line: {@code step}, {@code loss}, {@code lr}, {@code tokens}, {@code skipped} (fp16
 * overflow), {@code grad_norm}, {@code loss_scale}, {@code elapsed_s}, {@code val_loss} at validation steps and, on a
 * GPU, {@code gpu_peak_gib}: the most memory live tensors held during that step (weights included; the caching
 * allocator's peak allocated bytes, the figure the benchmarks report).
 */
public final class TrainLoop {
    /**
     * What the loop needs besides the model and the step.
     *
     * @param checkpoints where checkpoints go and a run resumes from the newest one; null for none
     * @param metrics one JSON line per step is appended here; null for none. With checkpoints, the lines of steps
     *     after the one the run resumes from (0 for a fresh start) are dropped first ({@link MetricsFile#keepThrough})
     */
    public record Plan(long steps, int microBatches, int logEvery, int saveEvery, Checkpointer checkpoints,
                       Path metrics) {
        /** Checkpoints in {@code runDir} ({@link Checkpointer#directory}), or none when it is null. */
        public static Plan local(long steps, int microBatches, int logEvery, int saveEvery, Path runDir,
                                 Path metrics) {
            return new Plan(steps, microBatches, logEvery, saveEvery,
                    runDir == null ? null : Checkpointer.directory(runDir), metrics);
        }
    }

    private final LlamaModel model;
    private final TrainStep trainStep;
    private final FusedOptimizer optimizer;
    private final DynamicLossScaler scaler;
    private final TokenSource data;
    private final LrSchedule schedule;
    private final Plan plan;
    private final PrintStream out;
    private Consumer<String> listener = line -> {};
    private Validation validation;
    private double lastValLoss = Double.NaN;
    private Long seed;

    public TrainLoop(LlamaModel model, TrainStep trainStep, FusedOptimizer optimizer, DynamicLossScaler scaler,
            TokenSource data, LrSchedule schedule, Plan plan, PrintStream out) {
        this.model = model;
        this.trainStep = trainStep;
        this.optimizer = optimizer;
        this.scaler = scaler;
        this.data = data;
        this.schedule = schedule;
        this.plan = plan;
        this.out = out;
    }

    /** Also hands every step's metrics line (the JSON written to {@code plan.metrics()}) to {@code listener}. */
    public TrainLoop onStep(Consumer<String> listener) {
        this.listener = listener;
        return this;
    }

    /** Also measures {@code validation} every {@link Validation#every()} steps and at the last step. */
    public TrainLoop validate(Validation validation) {
        if (validation.every() < 1) {
            throw new IllegalArgumentException("validation every " + validation.every() + " steps: at least 1");
        }
        this.validation = validation;
        return this;
    }

    /**
     * Also seeds torch's default CPU generator, whose state checkpoints record, with {@code seed} when the run starts
     * fresh (a resume restores the checkpoint's): that state is then the seed's, not whatever this JVM drew before
     * (an earlier run, an earlier task of the executor), and two fresh runs of one seed record the same.
     */
    public TrainLoop seeded(long seed) {
        this.seed = seed;
        return this;
    }

    /** Runs to {@code plan.steps()} and returns each step's result (only the steps this call ran). */
    public List<StepResult> run() throws IOException {
        long step = 0;
        long position = 0;
        Optional<TrainingState> resumed = plan.checkpoints() == null ? Optional.empty()
                : plan.checkpoints().restoreLatest(model, optimizer);
        if (resumed.isPresent()) {
            TrainingState s = resumed.get();
            step = s.step();
            position = s.dataPosition();
            if (scaler != null && s.scaler() != null) {
                scaler.restore(s.scaler());
            }
            out.printf("resumed at step %d%n", step);
        } else if (seed != null) {
            torch.getDefaultCPUGenerator().set_current_seed(seed);
        }
        if (plan.checkpoints() != null && plan.metrics() != null) {
            // lines of steps past the checkpoint are of a run that was killed before saving them: trained again now
            MetricsFile.keepThrough(plan.metrics(), step);
        }
        List<StepResult> results = new ArrayList<>();
        try (PrintStream metrics = plan.metrics() == null ? null : new PrintStream(Files.newOutputStream(plan.metrics(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND), true, StandardCharsets.UTF_8)) {
            loop(step, position, results, metrics);
        }
        return results;
    }

    private void loop(long step, long position, List<StepResult> results, PrintStream metrics) throws IOException {
        long started = System.nanoTime();
        long tokensSinceLog = 0;
        long lastLog = started;
        lastValLoss = Double.NaN;
        boolean cuda = model.placement().isCuda();
        while (step < plan.steps()) {
            step++;
            List<Batch> batches = new ArrayList<>();
            try {
                if (cuda) {
                    Cuda.resetPeak(model.placement());
                }
                for (int m = 0; m < plan.microBatches(); m++) {
                    batches.add(data.batch(position++));
                }
                StepResult r = trainStep.step(batches, step, schedule.lr(step));
                // read before validation, whose activations are not the step's
                String peak = cuda ? String.format(Locale.ROOT, ",\"gpu_peak_gib\":%.3f",
                        Cuda.peakAllocatedBytes(model.placement()) / (double) (1L << 30)) : "";
                results.add(r);
                tokensSinceLog += r.tokens();
                // after the update: the held-out loss of the weights this step leaves
                double valLoss = validation != null && (step % validation.every() == 0 || step == plan.steps())
                        ? validation.loss(model) : Double.NaN;
                lastValLoss = valLoss;
                String line = String.format(Locale.ROOT, "{\"step\":%d,\"loss\":%.6f,\"lr\":%.6g,\"tokens\":%d,"
                        + "\"skipped\":%b,\"grad_norm\":%s,\"loss_scale\":%.1f,\"elapsed_s\":%.3f%s%s}", step, r.loss(),
                        schedule.lr(step), r.tokens(), r.skipped(),
                        Double.isNaN(r.gradNorm()) ? "null" : String.format(Locale.ROOT, "%.6g", r.gradNorm()),
                        r.lossScale(), (System.nanoTime() - started) / 1e9,
                        Double.isNaN(valLoss) ? "" : String.format(Locale.ROOT, ",\"val_loss\":%.6f", valLoss), peak);
                if (metrics != null) {
                    metrics.println(line);
                }
                listener.accept(line);
            } finally {
                batches.forEach(Batch::close);
            }
            if (step % plan.logEvery() == 0 || step == plan.steps()) {
                long now = System.nanoTime();
                StepResult r = results.get(results.size() - 1);
                out.printf("step %d/%d  loss %.4f%s  lr %.3g  %.0f tok/s%s%s%n", step, plan.steps(), r.loss(),
                        Double.isNaN(lastValLoss) ? "" : String.format(Locale.ROOT, "  val-loss %.4f", lastValLoss),
                        schedule.lr(step), tokensSinceLog / ((now - lastLog) / 1e9),
                        Double.isNaN(r.gradNorm()) ? "" : String.format("  grad-norm %.3f", r.gradNorm()),
                        r.skipped() ? String.format("  skipped (fp16 overflow, scale now %.0f)", trainStep.lossScale()) : "");
                tokensSinceLog = 0;
                lastLog = now;
            }
            boolean last = step == plan.steps();
            if (plan.checkpoints() != null && ((plan.saveEvery() > 0 && step % plan.saveEvery() == 0) || last)) {
                String saved = plan.checkpoints().save(new TrainingState(step, position,
                        scaler == null ? null : scaler.state()), model, optimizer);
                out.printf("checkpoint %s%n", saved);
            }
        }
    }
}
