package org.lomospark.trainer.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** One pre-norm decoder layer: {@code h = x + attn(norm1(x)); y = h + mlp(norm2(h))}. */
public final class DecoderBlock {
    private final int index;
    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;
    private final Mlp mlp;

    DecoderBlock(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp) {
        this.index = index;
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    /** x: (B, T, C) -> (B, T, C). */
    public Tensor forward(Tensor x, ForwardContext ctx) {
        return mlpHalf(attentionHalf(x, ctx));
    }

    /** The first residual half, {@code x + attn(norm1(x))}. */
    public Tensor attentionHalf(Tensor x, ForwardContext ctx) {
        return x.add(attention.forward(inputNorm.forward(x), ctx));
    }

    /** The second residual half, {@code h + mlp(norm2(h))}. */
    public Tensor mlpHalf(Tensor h) {
        return h.add(mlp.forward(postAttentionNorm.forward(h)));
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
