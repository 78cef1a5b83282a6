package org.lomospark.trainer.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Placement;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/** Builds the boolean (B, 1, T, T) mask for padded batches: causal, keys that are real tokens, and the diagonal. */
final class AttentionMask {
    private AttentionMask() {}

    /**
     * @param keyValid (B, T), nonzero where the token is real
     * @return true where attention is allowed. The diagonal is always allowed so a padding query never sees an
     *     empty row (an all-masked softmax row is NaN, and NaN times a zero loss weight is still NaN).
     */
    static Tensor causalWithPadding(Tensor keyValid, Placement at) {
        long t = keyValid.size(1);
        Tensor causal = torch.ones(new long[] {t, t}, at.options(ScalarType.Bool)).tril(); // (T, T)
        Tensor keys = keyValid.to(at.torchDevice(), ScalarType.Bool).unsqueeze(1).unsqueeze(1); // (B, 1, 1, T)
        Tensor diagonal = torch.eye(t, at.options(ScalarType.Bool)); // (T, T)
        return torch.logical_or(torch.logical_and(causal, keys), diagonal); // (B, 1, T, T)
    }
}
