package org.lomospark.trainer.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * One pre-norm decoder layer: {@code h = x + attn(norm1(x)); y = h + mlp(norm2(h))}. Under tensor parallelism the
 * residual stream is whole on every rank and each branch is this rank's share, summed over the ranks before the
 * residual add: {@code h = x + sum_r attn_r(norm1(x))}.
 */
public final class DecoderBlock {
    private final int index;
    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;
    private final Mlp mlp;
    private final TensorParallel tp;

    DecoderBlock(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp,
            TensorParallel tp) {
        this.index = index;
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
        this.tp = tp;
    }

    /** x: (B, T, C) -> (B, T, C). */
    public Tensor forward(Tensor x, ForwardContext ctx) {
        return mlpHalf(attentionHalf(x, ctx));
    }

    /**
     * x: (B, T, C) -> (B, T, C) for T new positions after those in {@code cache}, which receives their keys and
     * values; {@code ctx} holds their rotary rows and the (B, 1, T, L) mask over all L positions.
     */
    Tensor forward(Tensor x, ForwardContext ctx, KvCache cache) {
        Tensor h = x.add(tp.sum(attention.forward(inputNorm.forward(x), ctx, cache, index)));
        return mlpHalf(h);
    }

    /** The first residual half, {@code x + attn(norm1(x))}; an all-reduce over the tensor-parallel ranks. */
    public Tensor attentionHalf(Tensor x, ForwardContext ctx) {
        return x.add(tp.sum(attentionBranch(x, ctx)));
    }

    /** The second residual half, {@code h + mlp(norm2(h))}; an all-reduce over the tensor-parallel ranks. */
    public Tensor mlpHalf(Tensor h) {
        return h.add(tp.sum(mlpBranch(h)));
    }

    /** This rank's share of {@code attn(norm1(x))}, differentiable: the whole branch over one rank. */
    public Tensor attentionBranch(Tensor x, ForwardContext ctx) {
        return attention.forward(inputNorm.forward(x), ctx);
    }

    /** This rank's share of {@code mlp(norm2(h))}, differentiable: the whole branch over one rank. */
    public Tensor mlpBranch(Tensor h) {
        return mlp.forward(postAttentionNorm.forward(h));
    }

    public int index() {
        return index;
    }

    /** This block's parameters under their Hugging Face names, in a fixed order. */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> out = attentionParameters();
        out.putAll(mlpParameters());
        return out;
    }

    /** The parameters of {@link #attentionHalf}. */
    public Map<String, Tensor> attentionParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        inputNorm.collect(prefix() + "input_layernorm.weight", out);
        attention.collect(prefix() + "self_attn.", out);
        return out;
    }

    /** The parameters of {@link #mlpHalf}. */
    public Map<String, Tensor> mlpParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        postAttentionNorm.collect(prefix() + "post_attention_layernorm.weight", out);
        mlp.collect(prefix() + "mlp.", out);
        return out;
    }

    private String prefix() {
        return "model.layers." + index + ".";
    }
}
