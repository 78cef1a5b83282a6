package org.lomospark.trainer.recipe;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.checkpoint.Checkpointer;
import org.lomospark.trainer.data.TokenSource;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.engine.BlockRecompute;
import org.lomospark.trainer.engine.FullBackwardStep;
import org.lomospark.trainer.engine.FusedStep;
import org.lomospark.trainer.engine.HookBackward;
import org.lomospark.trainer.engine.PhaseClock;
import org.lomospark.trainer.engine.Strategy;
import org.lomospark.trainer.engine.TrainLoop;
import org.lomospark.trainer.engine.TrainStep;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.AdaLomo;
import org.lomospark.trainer.optim.AdamW;
import org.lomospark.trainer.optim.BaselineOptimizer;
import org.lomospark.trainer.optim.DynamicLossScaler;
import org.lomospark.trainer.optim.FusedOptimizer;
import org.lomospark.trainer.optim.Lomo;
import org.lomospark.trainer.optim.LrSchedule;
import org.lomospark.trainer.optim.Sgd;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Threads;

/**
 * The one builder: a {@link Recipe} made into this rank's model, optimizer, step (fused, or a full-backward
 * baseline), loss scaler, schedule and loop. Every entry point (the trainer CLI's {@code train} and {@code dist},
 * the bench module's {@code lomo-trainer bench}, the pipeline's barrier task, and through it the Spark ML
 * fine-tuner) builds here; what each adds is only its own: the device it is given, its process groups, its data and
 * where checkpoints go.
 *
 * <pre>{@code
 * try (TrainingParts parts = TrainingParts.build(recipe, Placement.parse("cpu", "f32"), Group.single(),
 *         Group.single(), null)) {
 *     parts.loop(data, Checkpointer.directory(runDir), null, 10, System.out).run();
 * }
 * }</pre>
 */
public final class TrainingParts implements AutoCloseable {
    /** fp16's dynamic loss scaling: start at 2^16, halve on overflow, double after 1000 clean steps, floor 1. */
    private static final double F16_INIT_SCALE = 65536;
    private static final int F16_GROWTH_WINDOW = 1000;

    private final Recipe recipe;
    private final LlamaConfig config;
    private final LlamaModel model;
    private final FusedOptimizer fused;
    private final BaselineOptimizer baseline;
    private final DynamicLossScaler scaler;
    private final TrainStep step;
    private final LrSchedule schedule;

    private TrainingParts(Recipe recipe, LlamaConfig config, LlamaModel model, FusedOptimizer fused,
                          BaselineOptimizer baseline, DynamicLossScaler scaler, TrainStep step) {
        this.recipe = recipe;
        this.config = config;
        this.model = model;
        this.fused = fused;
        this.baseline = baseline;
        this.scaler = scaler;
        this.step = step;
        this.schedule = recipe.hyper().lrSchedule();
    }

    /**
     * Builds this rank's parts.
     *
     * @param placement the device this rank was given and the recipe's dtype (see {@link #placement(Recipe)})
     * @param tp the rank's tensor-parallel group (the model's slices), {@link Group#single()} for none
     * @param dp the rank's data-parallel group (gradients summed over it), {@link Group#single()} for none
     * @param clock profiles the block strategy's phases; null for none
     */
    public static TrainingParts build(Recipe recipe, Placement placement, Group tp, Group dp, PhaseClock clock)
            throws IOException {
        if (!placement.dtypeName().equals(recipe.runtime().dtype())) {
            throw new IllegalArgumentException("placement " + placement + " is not the recipe's dtype "
                    + recipe.runtime().dtype());
        }
        if (tp.size() * dp.size() != recipe.runtime().world()) {
            throw new IllegalArgumentException("groups of tp " + tp.size() + " x dp " + dp.size() + " ranks for a "
                    + "recipe of tp " + recipe.runtime().tp() + " x dp " + recipe.runtime().dp());
        }
        if (recipe.runtime().threads() > 0) {
            Threads.set(recipe.runtime().threads());
        }
        HyperParams h = recipe.hyper();
        LlamaConfig config = recipe.model().config();
        LlamaModel model = model(recipe, config, placement, tp);
        FusedOptimizer fused = null;
        BaselineOptimizer baseline = null;
        try {
            DynamicLossScaler scaler = placement.dtype() == torch.ScalarType.Half
                    ? new DynamicLossScaler(F16_INIT_SCALE, 2, F16_GROWTH_WINDOW, 1) : null;
            TrainStep step;
            switch (h.optimizer()) {
                case LOMO, ADALOMO -> {
                    fused = h.optimizer() == HyperParams.Optimizer.LOMO ? new Lomo(h.weightDecay(), h.clipValue())
                            : AdaLomo.defaults(h.weightDecay());
                    step = new FusedStep(model, strategy(recipe.runtime(), clock), fused, h.clipNorm(), scaler, dp);
                }
                case SGD, ADAMW -> {
                    baseline = h.optimizer() == HyperParams.Optimizer.SGD ? new Sgd(h.weightDecay())
                            : new AdamW(0.9, 0.999, 1e-8, h.weightDecay());
                    step = new FullBackwardStep(model, baseline, h.clipNorm());
                }
                default -> throw new AssertionError(h.optimizer());
            }
            return new TrainingParts(recipe, config, model, fused, baseline, scaler, step);
        } catch (RuntimeException e) {
            if (fused != null) {
                fused.close();
            }
            if (baseline != null) {
                baseline.close();
            }
            model.close();
            throw e;
        }
    }

    /** The recipe's own device and dtype: where a single-rank entry point (the trainer CLI) runs. */
    public static Placement placement(Recipe recipe) {
        return Placement.parse(recipe.runtime().device(), recipe.runtime().dtype());
    }

    /** This rank's slices of the model: drawn whole from the seed and cut, or read from a checkpoint. */
    private static LlamaModel model(Recipe recipe, LlamaConfig config, Placement placement, Group tp) {
        if (recipe.model().initFrom() == null) {
            return LlamaModel.create(config, placement, recipe.hyper().seed(), recipe.runtime().initOnCpu(), tp);
        }
        try (HfCheckpoint ckpt = HfCheckpoint.open(Path.of(recipe.model().initFrom()))) {
            return LlamaModel.load(config, placement, ckpt, tp);
        }
    }

    private static Strategy strategy(RuntimeParams r, PhaseClock clock) {
        return switch (r.strategy()) {
            case BLOCK -> new BlockRecompute(r.offload(), clock);
            case HOOK -> new HookBackward();
        };
    }

    /**
     * The training loop over {@code data}, running to the recipe's steps and checkpointing every
     * {@code save-every} steps and at the end; a fresh start seeds the CPU generator that checkpoints record with the
     * recipe's seed ({@link TrainLoop#seeded}).
     *
     * @param checkpoints where checkpoints go and the loop resumes from; null for none
     * @param metrics one JSON line per step appended here; null for none
     * @param logEvery a progress line to {@code out} every this many steps
     */
    public TrainLoop loop(TokenSource data, Checkpointer checkpoints, Path metrics, int logEvery, PrintStream out) {
        HyperParams h = recipe.hyper();
        return new TrainLoop(model, step, fused, scaler, data, schedule, new TrainLoop.Plan(h.steps(),
                h.microBatches(), logEvery, recipe.runtime().saveEvery(), checkpoints, metrics), out)
                .seeded(h.seed());
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaModel model() {
        return model;
    }

    public TrainStep step() {
        return step;
    }

    public LrSchedule schedule() {
        return schedule;
    }

    @Override
    public void close() {
        if (fused != null) {
            fused.close();
        }
        if (baseline != null) {
            baseline.close();
        }
        model.close();
    }
}
