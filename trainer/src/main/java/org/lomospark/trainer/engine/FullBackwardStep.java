package org.lomospark.trainer.engine;

import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.BaselineOptimizer;
import org.lomospark.trainer.optim.UpdateContext;

/**
 * The conventional step LOMO is measured against: one full backward that keeps every gradient (and the whole
 * graph, logits included), then an optimizer step over all parameters. Micro-batches accumulate into
 * {@code .grad} as usual.
 */
public final class FullBackwardStep implements TrainStep {
    private final LlamaModel model;
    private final BaselineOptimizer optimizer;
    private final double maxGradNorm;

    public FullBackwardStep(LlamaModel model, BaselineOptimizer optimizer, double maxGradNorm) {
        if (model.placement().dtype() == torch.ScalarType.Half) {
            throw new IllegalArgumentException("the full-backward baselines run in f32 or bf16, not f16 (no loss scaler)");
        }
        if (model.tensorParallel().active()) {
            throw new IllegalArgumentException("the full-backward baselines run on one rank, not tensor-parallel (tp "
                    + model.tensorParallel().size() + "): autograd does not see the all-reduces in the forward");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.maxGradNorm = maxGradNorm;
    }

    @Override
    public StepResult step(List<Batch> microBatches, long step, double lr) {
        long tokens = TrainStep.targetTokens(microBatches);
        Map<String, Tensor> params = model.namedParameters();
        double lossSum = 0;
        try (PointerScope scope = new PointerScope()) {
            for (Batch b : microBatches) {
                try (PointerScope graph = new PointerScope()) {
                    Tensor h = model.hidden(b.inputIds(), b.attentionMask());
                    Tensor sum = model.head().lossSum(h, b.targets().to(model.placement().torchDevice(), torch.ScalarType.Long));
                    torch.backward(new TensorVector(sum.mul(new Scalar(1.0 / tokens))));
                    lossSum += sum.item().toDouble();
                }
            }
            double norm = Double.NaN;
            double clipCoef = 1.0;
            if (maxGradNorm > 0) {
                norm = globalNorm(params);
                clipCoef = Math.min(1.0, maxGradNorm / (norm + 1e-6));
            }
            optimizer.step(params, new UpdateContext(step, lr, 1.0, clipCoef));
            for (Tensor p : params.values()) {
                p.mutable_grad().reset();
            }
            return new StepResult(lossSum / tokens, false, norm, 1.0, tokens);
        }
    }

    private static double globalNorm(Map<String, Tensor> params) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor total = null;
            for (Tensor p : params.values()) {
                Tensor sq = p.grad().to(torch.ScalarType.Float).square().sum();
                total = total == null ? sq : total.add(sq);
            }
            return Math.sqrt(total.item().toDouble());
        }
    }

    @Override
    public double lossScale() {
        return 1.0;
    }

    @Override
    public String strategy() {
        return "full";
    }

    @Override
    public String optimizer() {
        return optimizer.name() + (maxGradNorm > 0 ? "+clip" : "");
    }
}
