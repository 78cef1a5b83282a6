package org.lomospark.trainer.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;

/**
 * A LLaMA-family decoder whose parameters are plain leaf tensors named as in Hugging Face checkpoints.
 * The fused-step strategies drive it piece by piece (embedding, each block, head) rather than through one
 * forward call, so they can decide what to keep and when to take gradients.
 *
 * <pre>{@code
 * try (LlamaModel model = LlamaModel.create(LlamaConfig.preset("tiny"), Placement.cpu(ScalarType.Float), 42)) {
 *     Map<String, Tensor> params = model.namedParameters(); // "model.layers.0.self_attn.q_proj.weight", ...
 * }
 * }</pre>
 */
public final class LlamaModel implements AutoCloseable {
    public static final String EMBED = "model.embed_tokens.weight";

    private final LlamaConfig config;
    private final Placement placement;
    private final Tensor embedding;
    private final List<DecoderBlock> blocks;
    private final LmHead head;
    private final RotaryEmbedding rotary;
    private final Map<String, Tensor> parameters;

    private LlamaModel(LlamaConfig config, Placement placement, ParameterSource source) {
        this.config = config;
        this.placement = placement;
        long d = config.hiddenSize();
        long q = (long) config.numHeads() * config.headDim();
        long kv = (long) config.numKvHeads() * config.headDim();
        long ff = config.intermediateSize();
        this.embedding = source.weight(EMBED, config.vocabSize(), d);
        List<DecoderBlock> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            boolean bias = config.attentionBias();
            Attention attention = new Attention(config,
                    source.weight(p + "self_attn.q_proj.weight", q, d),
                    source.weight(p + "self_attn.k_proj.weight", kv, d),
                    source.weight(p + "self_attn.v_proj.weight", kv, d),
                    source.weight(p + "self_attn.o_proj.weight", d, q),
                    bias ? source.bias(p + "self_attn.q_proj.bias", q) : null,
                    bias ? source.bias(p + "self_attn.k_proj.bias", kv) : null,
                    bias ? source.bias(p + "self_attn.v_proj.bias", kv) : null);
            Mlp mlp = new Mlp(source.weight(p + "mlp.gate_proj.weight", ff, d),
                    source.weight(p + "mlp.up_proj.weight", ff, d),
                    source.weight(p + "mlp.down_proj.weight", d, ff));
            layers.add(new DecoderBlock(i,
                    new RmsNorm(source.norm(p + "input_layernorm.weight", d), config.rmsNormEps()), attention,
                    new RmsNorm(source.norm(p + "post_attention_layernorm.weight", d), config.rmsNormEps()), mlp));
        }
        this.blocks = Collections.unmodifiableList(layers);
        RmsNorm finalNorm = new RmsNorm(source.norm("model.norm.weight", d), config.rmsNormEps());
        Tensor projection = config.tieWordEmbeddings() ? embedding : source.weight("lm_head.weight", config.vocabSize(), d);
        this.head = new LmHead(finalNorm, projection, config.tieWordEmbeddings(), config.vocabSize(), placement.isCuda());
        this.rotary = new RotaryEmbedding(config);
        Map<String, Tensor> all = new LinkedHashMap<>();
        all.put(EMBED, embedding);
        for (DecoderBlock b : blocks) {
            all.putAll(b.parameters());
        }
        head.collect(all);
        this.parameters = Collections.unmodifiableMap(all);
    }

    /** A randomly initialized model (normal(0, 0.02) weights, unit norms, zero biases), drawn on its device. */
    public static LlamaModel create(LlamaConfig config, Placement placement, long seed) {
        return create(config, placement, seed, false);
    }

    /**
     * A randomly initialized model; with {@code initOnCpu} the weights are drawn by the CPU generator in fp32 and
     * then moved, so the same seed gives the same model on a GPU as on the CPU (slower for large models).
     */
    public static LlamaModel create(LlamaConfig config, Placement placement, long seed, boolean initOnCpu) {
        return new LlamaModel(config, placement, ParameterSource.random(placement, initOnCpu || !placement.isCuda(),
                seed));
    }

    /**
     * A model whose parameters come from {@code reader} by Hugging Face name (a checkpoint's tensors, any dtype);
     * each is checked against the expected shape and copied to the placement.
     */
    public static LlamaModel load(LlamaConfig config, Placement placement, ParameterSource.Reader reader) {
        return new LlamaModel(config, placement, ParameterSource.from(placement, reader));
    }

    public LlamaConfig config() {
        return config;
    }

    public Placement placement() {
        return placement;
    }

    public List<DecoderBlock> blocks() {
        return blocks;
    }

    public LmHead head() {
        return head;
    }

    public Tensor embeddingWeight() {
        return embedding;
    }

    /** All parameters under their Hugging Face names, embedding first, head last; the tied head is not repeated. */
    public Map<String, Tensor> namedParameters() {
        return parameters;
    }

    /** Token ids (B, T) -> hidden states (B, T, C). */
    public Tensor embed(Tensor ids) {
        return torch.embedding(embedding, ids);
    }

    /**
     * Rotary tables and mask for a batch of length {@code seqLen}. Pass {@code attentionMask} (B, T) only when
     * the batch has padding: without one attention is plain causal. The caller closes what it returns (or runs
     * inside a scope).
     */
    public ForwardContext context(long seqLen, Tensor attentionMask) {
        Tensor[] cosSin = rotary.tables(seqLen, placement);
        Tensor mask = attentionMask == null ? null : AttentionMask.causalWithPadding(attentionMask, placement);
        return new ForwardContext(cosSin[0], cosSin[1], mask);
    }

    /** Embedding and every block, with whatever autograd mode the caller has set. */
    public Tensor hidden(Tensor ids, Tensor attentionMask) {
        ForwardContext ctx = context(ids.size(1), attentionMask);
        Tensor h = embed(ids.to(placement.torchDevice(), torch.ScalarType.Long));
        for (DecoderBlock block : blocks) {
            h = block.forward(h, ctx);
        }
        return h;
    }

    @Override
    public void close() {
        Native.closeAll(parameters.values());
    }
}
