package org.lomospark.trainer.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Cross-entropy of one chunk of rows from its fp32 logits (n, V): per row {@code logsumexp(z) - z[target]}, zero
 * where the target is ignored. Differentiable as written (the full-backward baseline takes its graph), and it can
 * also write its own gradient over the logits, which is what the fused head does.
 */
final class ChunkLoss {
    private final Tensor logits;
    private final Tensor logSumExp;
    private final Tensor picked;
    private final Tensor valid;
    private final Tensor index;

    ChunkLoss(Tensor logits, Tensor targets) {
        this.logits = logits;
        Tensor isTarget = targets.ne(new Scalar(LmHead.IGNORE_INDEX)).unsqueeze(1); // (n, 1)
        this.valid = isTarget.to(ScalarType.Float);
        this.index = targets.clamp_min(new Scalar(0)).unsqueeze(1); // ignored rows point at 0, then get weight 0
        this.logSumExp = torch.logsumexp(logits, new long[] {1}, true); // (n, 1)
        this.picked = torch.gather(logits, 1, index); // (n, 1)
    }

    /** Loss of each row, (n). */
    Tensor perRow() {
        return logSumExp.sub(picked).mul(valid).squeeze(1);
    }

    /**
     * {@code weight * (softmax(z) - onehot(target))}, zero rows for ignored targets, written over the logits and
     * returned. Only for logits outside any graph: they are gone afterwards.
     */
    Tensor gradientInPlace(double weight) {
        Tensor targetProbability = picked.sub(logSumExp).exp(); // (n, 1), before the logits are overwritten
        logits.sub_(logSumExp).exp_(); // softmax
        logits.scatter_(1, index, targetProbability.sub(new Scalar(1.0)));
        return logits.mul_(valid.mul(new Scalar(weight)));
    }
}
