package org.lomospark.trainer.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;

/**
 * A LLaMA-family decoder whose parameters are plain leaf tensors named as in Hugging Face checkpoints.
 * The fused-step strategies drive it piece by piece (embedding, each block, head) rather than through one
 * forward call, so they can decide what to keep and when to take gradients.
 *
 * <p>Built over a tensor-parallel group of T ranks, each rank holds its slices ({@link TensorParallel}); the
 * residual stream is whole on every rank and each block half ends in an all-reduce of its branch.
 *
 * <pre>{@code
 * try (LlamaModel model = LlamaModel.create(LlamaConfig.preset("tiny"), Placement.cpu(ScalarType.Float), 42)) {
 *     Map<String, Tensor> params = model.namedParameters(); // "model.layers.0.self_attn.q_proj.weight", ...
 * }
 * }</pre>
 */
public final class LlamaModel implements AutoCloseable {
    public static final String EMBED = "model.embed_tokens.weight";
    /** Split dimensions of a (out, in) weight: by output rows (column-parallel), by input columns (row-parallel). */
    private static final int ROWS = 0;
    private static final int COLUMNS = 1;

    private final LlamaConfig config;
    private final Placement placement;
    private final TensorParallel tp;
    private final Tensor embedding;
    /** This rank's vocabulary rows of the embedding (and of the LM head). */
    private final Slice vocabulary;
    private final List<DecoderBlock> blocks;
    private final LmHead head;
    private final RotaryEmbedding rotary;
    private final Map<String, Tensor> parameters;
    /** The part of each parameter this rank holds, by name. */
    private final Map<String, Slice> slices;

    private LlamaModel(LlamaConfig config, Placement placement, ParameterSource source, TensorParallel tp) {
        tp.check(config);
        this.config = config;
        this.placement = placement;
        this.tp = tp;
        Parts parts = new Parts(source, tp);
        long d = config.hiddenSize();
        long q = (long) config.numHeads() * config.headDim();
        long kv = (long) config.numKvHeads() * config.headDim();
        long ff = config.intermediateSize();
        this.embedding = parts.weight(EMBED, ROWS, config.vocabSize(), d);
        this.vocabulary = parts.slices.get(EMBED);
        List<DecoderBlock> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            boolean bias = config.attentionBias();
            // column-parallel q/k/v (rows: whole heads) and row-parallel o (the matching columns)
            Attention attention = new Attention(config, tp.size(),
                    parts.weight(p + "self_attn.q_proj.weight", ROWS, q, d),
                    parts.weight(p + "self_attn.k_proj.weight", ROWS, kv, d),
                    parts.weight(p + "self_attn.v_proj.weight", ROWS, kv, d),
                    parts.weight(p + "self_attn.o_proj.weight", COLUMNS, d, q),
                    bias ? parts.bias(p + "self_attn.q_proj.bias", ROWS, q) : null,
                    bias ? parts.bias(p + "self_attn.k_proj.bias", ROWS, kv) : null,
                    bias ? parts.bias(p + "self_attn.v_proj.bias", ROWS, kv) : null);
            Mlp mlp = new Mlp(parts.weight(p + "mlp.gate_proj.weight", ROWS, ff, d),
                    parts.weight(p + "mlp.up_proj.weight", ROWS, ff, d),
                    parts.weight(p + "mlp.down_proj.weight", COLUMNS, d, ff));
            layers.add(new DecoderBlock(i,
                    new RmsNorm(parts.norm(p + "input_layernorm.weight", d), config.rmsNormEps()), attention,
                    new RmsNorm(parts.norm(p + "post_attention_layernorm.weight", d), config.rmsNormEps()), mlp, tp));
        }
        this.blocks = Collections.unmodifiableList(layers);
        RmsNorm finalNorm = new RmsNorm(parts.norm("model.norm.weight", d), config.rmsNormEps());
        Tensor projection = config.tieWordEmbeddings() ? embedding
                : parts.weight("lm_head.weight", ROWS, config.vocabSize(), d);
        long vocabFrom = vocabulary.isWhole() ? 0 : vocabulary.from();
        this.head = new LmHead(finalNorm, projection, config.tieWordEmbeddings(), vocabFrom, tp, placement.isCuda());
        this.rotary = new RotaryEmbedding(config);
        Map<String, Tensor> all = new LinkedHashMap<>();
        all.put(EMBED, embedding);
        for (DecoderBlock b : blocks) {
            all.putAll(b.parameters());
        }
        head.collect(all);
        this.parameters = Collections.unmodifiableMap(all);
        this.slices = Collections.unmodifiableMap(parts.slices);
    }

    /** Asks the source for this rank's part of each parameter and remembers which part that was. */
    private static final class Parts {
        private final ParameterSource source;
        private final TensorParallel tp;
        private final Map<String, Slice> slices = new LinkedHashMap<>();

        Parts(ParameterSource source, TensorParallel tp) {
            this.source = source;
            this.tp = tp;
        }

        Tensor weight(String name, int dim, long... fullShape) {
            return source.weight(name, remember(name, tp.slice(dim, fullShape)));
        }

        Tensor bias(String name, int dim, long... fullShape) {
            return source.bias(name, remember(name, tp.slice(dim, fullShape)));
        }

        /** Norm weights are replicated: every rank normalizes the whole residual stream. */
        Tensor norm(String name, long... fullShape) {
            return source.norm(name, remember(name, Slice.whole(fullShape)));
        }

        private Slice remember(String name, Slice part) {
            slices.put(name, part);
            return part;
        }
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
        return create(config, placement, seed, initOnCpu, Group.single());
    }

    /**
     * This rank's slices of a randomly initialized model, tensor-parallel over {@code tp}: every tensor is drawn
     * whole and cut, so the slices are exactly those of the one-rank model of the same seed (and dtype, device).
     *
     * @throws IllegalArgumentException naming the setting when the heads or the MLP width do not split over tp
     */
    public static LlamaModel create(LlamaConfig config, Placement placement, long seed, boolean initOnCpu, Group tp) {
        return new LlamaModel(config, placement, ParameterSource.random(placement, initOnCpu || !placement.isCuda(),
                seed), TensorParallel.over(tp));
    }

    /**
     * A model whose parameters come from {@code reader} by Hugging Face name (a checkpoint's tensors, any dtype);
     * each is checked against the expected shape and copied to the placement.
     */
    public static LlamaModel load(LlamaConfig config, Placement placement, ParameterSource.Reader reader) {
        return new LlamaModel(config, placement, ParameterSource.from(placement, reader), TensorParallel.none());
    }

    /**
     * This rank's slices of a checkpoint, tensor-parallel over {@code tp}: each tensor's shape is checked against the
     * config from the file header, and only the rank's slice is read.
     */
    public static LlamaModel load(LlamaConfig config, Placement placement, HfCheckpoint checkpoint, Group tp) {
        return new LlamaModel(config, placement, ParameterSource.slices(placement, checkpoint), TensorParallel.over(tp));
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

    /** The ranks this model is split over ({@link TensorParallel#none()} for a whole model). */
    public TensorParallel tensorParallel() {
        return tp;
    }

    /**
     * This rank's parameters under their Hugging Face names, embedding first, head last; the tied head is not
     * repeated. Under tensor parallelism each is this rank's slice ({@link #slice}).
     */
    public Map<String, Tensor> namedParameters() {
        return parameters;
    }

    /** The part of parameter {@code name} this rank holds. */
    public Slice slice(String name) {
        Slice s = slices.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in this model");
        }
        return s;
    }

    /**
     * Whether every tensor-parallel rank holds the whole of parameter {@code name} (norm weights; everything over
     * one rank). Each rank's gradient of such a parameter is then its share, and the ranks' shares sum to the
     * gradient; a split parameter's gradient is its slice's, complete on its own.
     */
    public boolean replicated(String name) {
        return slice(name).isWhole();
    }

    /**
     * The whole parameters, under the same names and in the same order as {@link #namedParameters()}, on every
     * rank: what a one-rank model would hold (and what an export writes). A collective: every tensor-parallel
     * rank must call it. The caller closes the tensors; over one rank they share storage with the parameters.
     */
    public Map<String, Tensor> gatherParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
                out.put(e.getKey(), tp.gather(e.getValue(), slices.get(e.getKey())));
            }
        } catch (RuntimeException e) {
            Native.closeAll(out.values());
            throw e;
        }
        return out;
    }

    /** Token ids (B, T) -> hidden states (B, T, C), whole on every tensor-parallel rank (an all-reduce). */
    public Tensor embed(Tensor ids) {
        return tp.sum(embedOwnRows(ids));
    }

    /**
     * This rank's share of the embedding, differentiable: the rows of the ids in its vocabulary range, zeros for
     * the others (summed over the ranks that is the embedding); over one rank simply the embedding.
     */
    public Tensor embedOwnRows(Tensor ids) {
        if (vocabulary.isWhole()) {
            return torch.embedding(embedding, ids);
        }
        Tensor elsewhere = ids.lt(new Scalar(vocabulary.from())).logical_or(ids.ge(new Scalar(vocabulary.to())));
        Tensor local = ids.sub(new Scalar(vocabulary.from())).masked_fill(elsewhere, new Scalar(0)); // (B, T)
        return torch.embedding(embedding, local).masked_fill(elsewhere.unsqueeze(-1), new Scalar(0.0)); // (B, T, C)
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

    /**
     * An empty cache for decoding {@code batch} rows up to {@code capacity} positions in all (prompt and new tokens);
     * the caller closes it.
     */
    public KvCache kvCache(long batch, long capacity) {
        return new KvCache(config, tp.size(), batch, capacity, placement, rotary);
    }

    /**
     * The cached forward of decoding: T new tokens per row after the {@code cache.length()} cached positions. Their
     * keys and values are added to {@code cache}; the hidden states are (B, T, C). Run it under no-grad; the caller
     * closes what it returns (or runs inside a scope).
     *
     * <pre>{@code
     * Tensor h = model.hidden(nextIds, positions, keyValid, cache); // (B, 1, C) per decoding step
     * Tensor logits = model.head().logits(h.squeeze(1));           // (B, V)
     * }</pre>
     *
     * @param ids (B, T) token ids
     * @param positions (B, T) each token's position id, for its rotary angles (left padding shifts them per row)
     * @param keyValid (B, cache.length() + T), nonzero where the key is a real token (not padding)
     */
    public Tensor hidden(Tensor ids, Tensor positions, Tensor keyValid, KvCache cache) {
        long t = ids.size(1);
        cache.checkRoom(ids.size(0), t);
        if (keyValid.size(1) != cache.length() + t) {
            throw new IllegalArgumentException("keyValid covers " + keyValid.size(1) + " positions, the cache and the"
                    + " new tokens " + (cache.length() + t));
        }
        Tensor[] cosSin = cache.rotary(positions.to(placement.torchDevice(), torch.ScalarType.Long));
        Tensor mask = AttentionMask.causalWithPadding(keyValid, t, placement); // (B, 1, T, L)
        ForwardContext ctx = new ForwardContext(cosSin[0], cosSin[1], mask);
        Tensor h = embed(ids.to(placement.torchDevice(), torch.ScalarType.Long));
        for (DecoderBlock block : blocks) {
            h = block.forward(h, ctx, cache);
        }
        cache.advance(t);
        return h;
    }

    @Override
    public void close() {
        Native.closeAll(parameters.values());
    }
}
