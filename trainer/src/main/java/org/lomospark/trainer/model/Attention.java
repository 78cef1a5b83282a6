package org.lomospark.trainer.model;

import java.util.Map;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Grouped-query self-attention: q/k/v projections, rotary embedding, {@code scaled_dot_product_attention}
 * (flash or memory-efficient kernels on CUDA), output projection. K and V heads are shared by
 * {@code heads / kvHeads} query heads without materializing copies (SDPA's enable_gqa). Under tensor
 * parallelism a rank holds a contiguous run of query heads and the key/value heads they read, so the grouping
 * stays within the rank.
 */
final class Attention {
    final Tensor wq;
    final Tensor wk;
    final Tensor wv;
    final Tensor wo;
    final Tensor bq;
    final Tensor bk;
    final Tensor bv;
    private final int heads;
    private final int kvHeads;
    private final int headDim;

    Attention(LlamaConfig c, Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor bq, Tensor bk, Tensor bv) {
        this(c, 1, wq, wk, wv, wo, bq, bk, bv);
    }

    /**
     * One of {@code ranks} tensor-parallel parts: q/k/v (and their biases) hold this rank's heads as rows, o_proj the
     * matching input columns, so the output is this rank's share of the sum over all heads.
     */
    Attention(LlamaConfig c, int ranks, Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor bq, Tensor bk, Tensor bv) {
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.wo = wo;
        this.bq = bq;
        this.bk = bk;
        this.bv = bv;
        this.heads = c.numHeads() / ranks;
        this.kvHeads = c.numKvHeads() / ranks;
        this.headDim = c.headDim();
    }

    Tensor forward(Tensor x, ForwardContext ctx) {
        return forward(x, ctx, null, -1);
    }

    /**
     * With a {@code cache}, this call's keys and values are written after the cached ones of {@code layer}, and its T
     * queries attend to all L = cached + T positions through {@code ctx.mask()} (B, 1, T, L), which must be given:
     * SDPA's own causal mask is aligned top-left and would hide the cache from a one-token query.
     */
    Tensor forward(Tensor x, ForwardContext ctx, KvCache cache, int layer) {
        long b = x.size(0);
        long t = x.size(1);
        Tensor q = project(x, wq, bq).view(b, t, heads, headDim).transpose(1, 2); // (B, nh, T, hs)
        Tensor k = project(x, wk, bk).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, nkv, T, hs)
        Tensor v = project(x, wv, bv).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, nkv, T, hs)
        q = RotaryEmbedding.apply(q, ctx.cos(), ctx.sin());
        k = RotaryEmbedding.apply(k, ctx.cos(), ctx.sin());
        if (cache != null) {
            Tensor[] kv = cache.append(layer, k, v);
            k = kv[0]; // (B, nkv, L, hs)
            v = kv[1];
        }
        boolean causal = ctx.mask() == null;
        TensorOptional mask = causal ? new TensorOptional() : new TensorOptional(ctx.mask());
        Tensor y = torch.scaled_dot_product_attention(q, k, v, mask, 0.0, causal, new DoubleOptional(),
                kvHeads != heads); // (B, nh, T, hs)
        y = y.transpose(1, 2).reshape(b, t, (long) heads * headDim); // (B, T, nh*hs)
        return torch.linear(y, wo);
    }

    private static Tensor project(Tensor x, Tensor w, Tensor bias) {
        return bias == null ? torch.linear(x, w) : torch.linear(x, w, new TensorOptional(bias));
    }

    void collect(String prefix, Map<String, Tensor> out) {
        out.put(prefix + "q_proj.weight", wq);
        if (bq != null) {
            out.put(prefix + "q_proj.bias", bq);
        }
        out.put(prefix + "k_proj.weight", wk);
        if (bk != null) {
            out.put(prefix + "k_proj.bias", bk);
        }
        out.put(prefix + "v_proj.weight", wv);
        if (bv != null) {
            out.put(prefix + "v_proj.bias", bv);
        }
        out.put(prefix + "o_proj.weight", wo);
    }
}
