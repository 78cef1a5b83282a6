package org.lomospark.trainer.engine;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.model.TensorParallel;
import org.lomospark.trainer.optim.DynamicLossScaler;
import org.lomospark.trainer.optim.FusedOptimizer;
import org.lomospark.trainer.optim.UpdateContext;
import org.lomospark.trainer.tensor.Native;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LOMO's fused step: every gradient updates its parameter the moment it exists and is freed.
 *
 * <p>Global-norm clipping and fp16 overflow detection need to see every gradient before any update, so they
 * add a first pass that only sums squared norms (and so notices inf/NaN) over the same forward; the second pass
 * updates with {@code clip_coef = min(1, max_norm / (norm + 1e-6))}. Without either, one pass does it all.
 *
 * <pre>{@code
 * TrainStep step = new FusedStep(model, new BlockRecompute(false), new Lomo(0.0, 0.0), 1.0, null);
 * StepResult r = step.step(List.of(batch), 1, 1e-3);
 * }</pre>
 */
public final class FusedStep implements TrainStep {
    private static final double NORM_EPS = 1e-6;

    private final LlamaModel model;
    private final Strategy strategy;
    private final FusedOptimizer optimizer;
    private final double maxGradNorm;
    private final DynamicLossScaler scaler;
    private final Group dataParallel;

    /**
     * @param maxGradNorm global-norm clipping threshold, {@code <= 0} for none
     * @param scaler dynamic loss scaler, required for fp16 weights, null otherwise
     */
    public FusedStep(LlamaModel model, Strategy strategy, FusedOptimizer optimizer, double maxGradNorm,
            DynamicLossScaler scaler) {
        this(model, strategy, optimizer, maxGradNorm, scaler, Group.single());
    }

    /**
     * Data parallel: every rank of {@code dataParallel} runs its own micro-batches through its own replica; each
     * gradient is summed over the ranks the moment it exists, before the update, and the loss is normalized by the
     * target tokens of all ranks together. So every replica makes the same update, the one a single rank would
     * make with all ranks' micro-batches (exact up to the order of float additions).
     *
     * <p>Tensor parallel as well when {@code model} was built over a tensor-parallel group (its
     * {@link LlamaModel#tensorParallel()}): the ranks of that group feed the same micro-batches and each updates its
     * slices; the loss is the same on each, and the clipping norm counts every slice once. A replica is then the
     * ranks of one tensor-parallel group, and {@code dataParallel} joins the ranks holding the same slices
     * ({@code Distributed.dp()}). Needs strategy block.
     */
    public FusedStep(LlamaModel model, Strategy strategy, FusedOptimizer optimizer, double maxGradNorm,
            DynamicLossScaler scaler, Group dataParallel) {
        boolean fp16 = model.placement().dtype() == ScalarType.Half;
        if (fp16 && scaler == null) {
            throw new IllegalArgumentException("dtype f16 needs a loss scaler (fp16 gradients underflow without one); "
                    + "use dtype bf16 to train without a scaler");
        }
        if (model.tensorParallel().active() && !(strategy instanceof BlockRecompute)) {
            throw new IllegalArgumentException("tensor parallelism (tp " + model.tensorParallel().size()
                    + ") needs strategy block, not " + strategy.name() + ": the all-reduces between block halves go "
                    + "between explicit per-half backward calls, which one autograd backward with hooks cannot make");
        }
        this.model = model;
        this.strategy = strategy;
        this.optimizer = optimizer;
        this.maxGradNorm = maxGradNorm;
        this.scaler = scaler;
        this.dataParallel = dataParallel;
    }

    @Override
    public StepResult step(List<Batch> microBatches, long step, double lr) {
        if (microBatches.size() > 1 && !strategy.accumulates()) {
            throw new IllegalArgumentException("gradient accumulation over " + microBatches.size()
                    + " micro-batches needs strategy block, not " + strategy.name());
        }
        long tokens = dataParallel.size() == 1 ? TrainStep.targetTokens(microBatches)
                : globalTokens(microBatches, step);
        double scale = scaler == null ? 1.0 : scaler.scale();
        double lossWeight = scale / tokens;
        boolean checkPass = maxGradNorm > 0 || scaler != null;
        try (Strategy.Passes passes = strategy.forward(model, microBatches)) {
            double clipCoef = 1.0;
            double norm = Double.NaN;
            double lossSum;
            if (checkPass) {
                try (SquaredNorm sq = new SquaredNorm(1.0 / scale, model)) {
                    lossSum = dataParallel.sum(passes.backward(reduced(sq), lossWeight, true));
                    norm = Math.sqrt(sq.total()); // a device-to-host sync point, once per step
                }
                boolean overflow = !Double.isFinite(norm);
                if (scaler != null && !scaler.update(overflow)) {
                    return new StepResult(lossSum / tokens, true, norm, scale, tokens);
                }
                if (overflow) {
                    throw new ArithmeticException("step " + step + ": gradient norm is " + norm + " (loss "
                            + lossSum / tokens + "); the weights are left as they were");
                }
                if (maxGradNorm > 0) {
                    clipCoef = Math.min(1.0, maxGradNorm / (norm + NORM_EPS));
                }
            }
            UpdateContext ctx = new UpdateContext(step, lr, 1.0 / scale, clipCoef);
            lossSum = dataParallel.sum(passes.backward(reduced((name, p, g) -> optimizer.update(name, p, g, ctx)),
                    lossWeight, false));
            return new StepResult(lossSum / tokens, false, norm, scale, tokens);
        }
    }

    /** The step's target tokens over every data-parallel rank; a rank may have none. */
    private long globalTokens(List<Batch> microBatches, long step) {
        long local = 0;
        for (Batch b : microBatches) {
            local += b.targetTokens();
        }
        long tokens = dataParallel.sum(local);
        if (tokens == 0) {
            throw new IllegalArgumentException("step " + step + ": no data-parallel rank has target tokens");
        }
        return tokens;
    }

    /** {@code sink} fed gradients summed over the data-parallel ranks. */
    private GradSink reduced(GradSink sink) {
        if (dataParallel.size() == 1) {
            return sink;
        }
        return (name, p, g) -> {
            dataParallel.allReduceSum(g);
            sink.accept(name, p, g);
        };
    }

    @Override
    public double lossScale() {
        return scaler == null ? 1.0 : scaler.scale();
    }

    @Override
    public String strategy() {
        return strategy.name();
    }

    @Override
    public String optimizer() {
        return optimizer.name() + (maxGradNorm > 0 ? "+clip" : "");
    }

    /**
     * First-pass sink: sums squared fp32 norms of the unscaled gradients on the device, frees each gradient. Under
     * tensor parallelism a split parameter's slices are summed over the ranks and a replicated one (whole and equal
     * on every rank) is counted once.
     */
    static final class SquaredNorm implements GradSink, AutoCloseable {
        private final double unscale;
        private final LlamaModel model;
        /** Parameters whole on this rank: everything over one rank. */
        private Tensor whole;
        /** This rank's slices of split parameters. */
        private Tensor slices;

        SquaredNorm(double unscale, LlamaModel model) {
            this.unscale = unscale;
            this.model = model;
        }

        @Override
        public void accept(String name, Tensor param, Tensor grad) {
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Tensor sq = grad.to(ScalarType.Float).square().sum();
                if (model.replicated(name)) {
                    whole = accumulate(whole, sq);
                } else {
                    slices = accumulate(slices, sq);
                }
            }
        }

        private static Tensor accumulate(Tensor total, Tensor sq) {
            if (total == null) {
                return Native.keep(sq);
            }
            total.add_(sq);
            return total;
        }

        /** Sum of squares of the unscaled gradient; a collective over the tensor-parallel ranks. */
        double total() {
            TensorParallel tp = model.tensorParallel();
            double sum = whole == null ? 0 : whole.item().toDouble(); // a device-to-host sync point
            if (tp.active()) {
                sum += tp.group().sum(slices == null ? 0.0 : slices.item().toDouble());
            }
            return sum * unscale * unscale;
        }

        @Override
        public void close() {
            if (whole != null) {
                whole.close();
            }
            if (slices != null) {
                slices.close();
            }
        }
    }
}
