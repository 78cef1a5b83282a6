package org.lomospark.trainer.model;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Gradients;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Tensors;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Final RMSNorm, output projection and masked cross-entropy, computed in fp32 over chunks of rows so that full
 * fp32 logits (B*T x vocab) never exist at once: the backward takes each chunk's gradients before the next
 * chunk's logits are made.
 *
 * <p>Under tensor parallelism the projection holds this rank's vocabulary rows: the logits of a chunk are
 * (n, V_r), the cross-entropy is vocabulary-parallel ({@link ChunkLoss}), the projection's gradient stays local,
 * and the gradient of the normalized features is summed over the ranks before it goes through the (replicated)
 * final norm, so the norm's gradient and the hidden state's are whole on every rank.
 */
public final class LmHead {
    /** Targets equal to this value carry no loss (Hugging Face's convention). */
    public static final long IGNORE_INDEX = -100;

    final RmsNorm norm;
    final Tensor weight;
    private final boolean tied;
    private final long chunkRows;
    private final long vocabFrom;
    private final TensorParallel tp;

    /**
     * @param weight (V_r, C): vocabulary ids {@code [vocabFrom, vocabFrom + V_r)}, the whole vocabulary over one rank
     */
    LmHead(RmsNorm norm, Tensor weight, boolean tied, long vocabFrom, TensorParallel tp, boolean onGpu) {
        this.norm = norm;
        this.weight = weight;
        this.tied = tied;
        this.vocabFrom = vocabFrom;
        this.tp = tp;
        long vocabSize = weight.size(0);
        // fp32 logits per chunk: 256 MiB on a GPU (2048 rows of a 32000 vocabulary: few, large kernels; the chunk
        // is freed before any block's backward, where the step's peak is), 32 MiB on the CPU (262 rows: the
        // logits, their gradient and the softmax stay small next to the weights).
        long elements = onGpu ? 64L << 20 : 8L << 20;
        this.chunkRows = Math.max(64, elements / vocabSize);
    }

    /** True when the projection shares its weight with the token embedding. */
    public boolean tied() {
        return tied;
    }

    /** The projection weight (the embedding itself when tied). */
    public Tensor weight() {
        return weight;
    }

    /** The head's own parameters: the final norm, and the projection when it is not tied. */
    public void collect(Map<String, Tensor> out) {
        norm.collect("model.norm.weight", out);
        if (!tied) {
            out.put("lm_head.weight", weight);
        }
    }

    /**
     * Logits of a few hidden states, as decoding needs them: final norm and projection, in fp32, the same code the
     * losses run chunk by chunk. (..., C) -> (..., V_r): this rank's vocabulary, the whole of it over one rank. The
     * caller owns the result.
     */
    public Tensor logits(Tensor hidden) {
        return project(norm.forward(hidden), weight);
    }

    /**
     * Sum of the cross-entropy over target tokens, a 0-dim fp32 tensor the caller owns. It follows the caller's
     * autograd mode: under a graph every chunk's logits are kept for the backward, as a plain full backward does.
     * Under tensor parallelism (the same sum on every rank) only without a graph: the collectives are outside it.
     */
    public Tensor lossSum(Tensor hidden, Tensor targets) {
        try (PointerScope scope = new PointerScope()) {
            Tensor total = null;
            Tensor rows = flatten(hidden);
            Tensor flatTargets = targets.reshape(-1);
            for (long r = 0; r < rows.size(0); r += chunkRows) {
                long n = Math.min(chunkRows, rows.size(0) - r);
                Tensor ce = chunkLoss(project(norm.forward(rows.narrow(0, r, n)), weight), flatTargets.narrow(0, r, n))
                        .perRow().sum();
                total = total == null ? ce : total.add(ce);
            }
            return Native.keep(total);
        }
    }

    /**
     * Backward through the head for one micro-batch. Each chunk's loss is multiplied by {@code lossWeight}
     * (loss scale / tokens in the whole step) before its gradients are taken. The projection's weight gradient
     * is accumulated in one vocabulary x hidden buffer with {@code addmm_}, so no chunk makes a second one.
     *
     * @param hidden the last block's output (B, T, C), no graph attached
     * @param grads receives (adds into) the gradients of the norm weight and of the projection weight, under
     *     their parameter names ("lm_head.weight", or "model.embed_tokens.weight" when tied)
     * @return the gradient with respect to {@code hidden} and the unweighted loss sum, both owned by the caller
     */
    public Result backward(Tensor hidden, Tensor targets, double lossWeight, Gradients grads) {
        Tensor dHidden = Native.keep(torch.empty_like(hidden));
        try (PointerScope scope = new PointerScope()) {
            Tensor rows = flatten(hidden);
            Tensor dRows = dHidden.view(-1, hidden.size(-1));
            Tensor flatTargets = targets.reshape(-1);
            Tensor projection = weight.detach(); // its gradient is assembled by hand below
            Tensor dWeight = torch.zeros_like(weight);
            Tensor total = null;
            for (long r = 0; r < rows.size(0); r += chunkRows) {
                try (PointerScope chunk = new PointerScope()) {
                    long n = Math.min(chunkRows, rows.size(0) - r);
                    Tensor x = rows.narrow(0, r, n).detach().requires_grad_(true); // (n, C)
                    Tensor normed = norm.forward(x);
                    Tensor features = normed.detach();
                    ChunkLoss loss = chunkLoss(project(features, projection), flatTargets.narrow(0, r, n));
                    Tensor lossPart = loss.perRow().sum();
                    // d(loss)/d(logits) written over the logits: one (n, V) buffer where autograd would hold three
                    Tensor dLogits = loss.gradientInPlace(lossWeight).to(Tensors.dtype(projection));
                    dWeight.addmm_(dLogits.t(), features); // (V, n) x (n, C)
                    Tensor dNormed = tp.sum(torch.matmul(dLogits, projection)); // (n, C), every rank's vocabulary
                    TensorVector g = torch.grad(new TensorVector(normed), new TensorVector(x, norm.weight),
                            new TensorVector(dNormed), new BoolOptional(false), false, false);
                    dRows.narrow(0, r, n).copy_(g.get(0));
                    grads.add("model.norm.weight", g.get(1));
                    total = total == null ? Native.keep(lossPart) : replace(total, total.add(lossPart));
                }
            }
            grads.add(tied ? LlamaModel.EMBED : "lm_head.weight", dWeight);
            return new Result(dHidden, total);
        }
    }

    /** What {@link #backward} returns: the caller closes both. */
    public record Result(Tensor dHidden, Tensor lossSum) {}

    private ChunkLoss chunkLoss(Tensor logits, Tensor targets) {
        return new ChunkLoss(logits, targets, vocabFrom, tp);
    }

    /** (n, V) logits in fp32 from normalized rows (n, C). */
    private static Tensor project(Tensor normed, Tensor w) {
        return torch.linear(normed, w).to(ScalarType.Float);
    }

    private static Tensor flatten(Tensor hidden) {
        return hidden.reshape(-1, hidden.size(-1)); // (B*T, C)
    }

    private static Tensor replace(Tensor old, Tensor next) {
        Native.keep(next);
        old.close();
        return next;
    }
}
