package org.lomospark.trainer.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Cross-entropy of one chunk of rows from its fp32 logits (n, V): per row {@code logsumexp(z) - z[target]}, zero
 * where the target is ignored. Differentiable as written (the full-backward baseline takes its graph), and it can
 * also write its own gradient over the logits, which is what the fused head does.
 *
 * <p>Vocabulary-parallel: a tensor-parallel rank holds the logits of its vocabulary range only (n, V_r). The global
 * max comes from an all-reduce(max), the sum of exponentials and the target's logit (from the rank that owns it,
 * zero elsewhere) from one all-reduce(sum); the loss is then the same on every rank and the gradient over the local
 * logits stays local. Not differentiable in that form: the fused head writes the gradient itself.
 */
final class ChunkLoss {
    private final Tensor logits;
    private final Tensor logSumExp;
    private final Tensor picked;
    private final Tensor valid;
    private final Tensor index;
    /** (n, 1), whether this rank's logits hold the row's target; null over one rank (they always do). */
    private final Tensor owned;

    ChunkLoss(Tensor logits, Tensor targets) {
        this(logits, targets, 0, TensorParallel.none());
    }

    /**
     * @param logits (n, V_r): the columns of vocabulary ids {@code [vocabFrom, vocabFrom + V_r)}
     * @param targets (n) global vocabulary ids, or {@link LmHead#IGNORE_INDEX}
     */
    ChunkLoss(Tensor logits, Tensor targets, long vocabFrom, TensorParallel tp) {
        this.logits = logits;
        Tensor isTarget = targets.ne(new Scalar(LmHead.IGNORE_INDEX)).unsqueeze(1); // (n, 1)
        this.valid = isTarget.to(ScalarType.Float);
        if (!tp.active()) {
            this.owned = null;
            this.index = targets.clamp_min(new Scalar(0)).unsqueeze(1); // ignored rows point at 0, then get weight 0
            this.logSumExp = torch.logsumexp(logits, new long[] {1}, true); // (n, 1)
            this.picked = torch.gather(logits, 1, index); // (n, 1)
            return;
        }
        Tensor local = targets.sub(new Scalar(vocabFrom)).unsqueeze(1); // (n, 1)
        // ignored targets (negative) are nobody's
        this.owned = local.ge(new Scalar(0)).logical_and(local.lt(new Scalar(logits.size(1))));
        Tensor elsewhere = owned.logical_not();
        this.index = local.masked_fill(elsewhere, new Scalar(0));
        Tensor max = tp.max(logits.amax(new long[] {1}, true)); // (n, 1), over the whole vocabulary
        Tensor sumExp = logits.sub(max).exp_().sum(new long[] {1}, true, new ScalarTypeOptional()); // (n, 1)
        Tensor target = torch.gather(logits, 1, index).masked_fill(elsewhere, new Scalar(0.0)); // (n, 1)
        Tensor both = tp.sum(torch.cat(new TensorVector(sumExp, target), 1)); // (n, 2): one all-reduce for both
        this.logSumExp = max.add(both.narrow(1, 0, 1).log());
        this.picked = both.narrow(1, 1, 1);
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
        Tensor atTarget = targetProbability.sub(new Scalar(1.0));
        if (owned != null) {
            // a row whose target another rank owns keeps its softmax at the (dummy) index
            atTarget = torch.where(owned, atTarget, torch.gather(logits, 1, index));
        }
        logits.scatter_(1, index, atTarget);
        return logits.mul_(valid.mul(new Scalar(weight)));
    }
}
