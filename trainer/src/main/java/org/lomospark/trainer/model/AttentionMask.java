package org.lomospark.trainer.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Placement;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Builds the boolean (B, 1, T, L) mask for padded batches: causal, keys that are real tokens, and the diagonal. In
 * training T = L; a decoding step's T queries are the last T of the L keys (the others come from a KV cache).
 */
final class AttentionMask {
    private AttentionMask() {}

    /**
     * @param keyValid (B, T), nonzero where the token is real
     * @return true where attention is allowed. The diagonal is always allowed so a padding query never sees an
     *     empty row (an all-masked softmax row is NaN, and NaN times a zero loss weight is still NaN).
     */
    static Tensor causalWithPadding(Tensor keyValid, Placement at) {
        return causalWithPadding(keyValid, keyValid.size(1), at);
    }

    /**
     * @param keyValid (B, L), nonzero where the key is a real token
     * @param queries T: query i sits at key position L - T + i
     * @return (B, 1, T, L), true where attention is allowed, the query's own position always
     */
    static Tensor causalWithPadding(Tensor keyValid, long queries, Placement at) {
        long l = keyValid.size(1);
        long offset = l - queries;
        Tensor causal = torch.ones(new long[] {queries, l}, at.options(ScalarType.Bool)).tril(offset); // (T, L)
        Tensor keys = keyValid.to(at.torchDevice(), ScalarType.Bool).unsqueeze(1).unsqueeze(1); // (B, 1, 1, L)
        Tensor diagonal = causal.triu(offset); // (T, L): key L - T + i for query i
        return torch.logical_or(torch.logical_and(causal, keys), diagonal); // (B, 1, T, L)
    }
}
