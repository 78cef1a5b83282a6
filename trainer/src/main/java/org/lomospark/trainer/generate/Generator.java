package org.lomospark.trainer.generate;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.lomospark.trainer.model.KvCache;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Continues prompts with a model, all prompts in one batch and a KV cache: one forward over the left-padded prompts
 * (prefill), then one token per row and step. Position ids start at 0 at each prompt's first real token, so a prompt's
 * tokens are those it gets alone (up to float rounding).
 *
 * <pre>{@code
 * Generator g = new Generator(model);
 * List<int[]> out = g.generate(List.of(new int[] {1, 450, 4996}, new int[] {1, 910}),
 *         new GenerationSettings(32, Sampling.greedy(), Set.of(2), 0)); // each: only the new tokens
 * }</pre>
 *
 * <p>Runs where the model lives and in its dtype, under no-grad; every step's tensors are freed before the next.
 * The model stays the caller's to close.
 */
public final class Generator {
    private final LlamaModel model;

    /** @throws IllegalArgumentException for a tensor-parallel model: generation runs on one rank */
    public Generator(LlamaModel model) {
        if (model.tensorParallel().active()) {
            throw new IllegalArgumentException("generation runs on one rank; this model is split over "
                    + model.tensorParallel().size() + " tensor-parallel ranks (load it whole, without tp)");
        }
        this.model = model;
    }

    /**
     * @return for each prompt, in order, only its new tokens: up to {@code maxNewTokens}, ending with the eos token
     *     when one was produced
     * @throws IllegalArgumentException for no prompts, an empty prompt, an id outside the vocabulary, or prompt and
     *     new tokens longer than the model's max positions
     */
    public List<int[]> generate(List<int[]> prompts, GenerationSettings settings) {
        int vocab = model.config().vocabSize();
        checkIds(settings, vocab);
        LeftPadded batch = LeftPadded.of(prompts, settings.padId(), vocab);
        long positions = (long) batch.width() + settings.maxNewTokens();
        if (positions > model.config().maxPositions()) {
            throw new IllegalArgumentException("the longest prompt (" + batch.width() + " tokens) and maxNewTokens ("
                    + settings.maxNewTokens() + ") exceed the model's max_position_embeddings ("
                    + model.config().maxPositions() + ")");
        }
        Continuations out = new Continuations(batch.rows(), settings);
        // the last token is chosen but never fed back: the cache needs one position fewer than the sequence
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope call = new PointerScope();
                KvCache cache = model.kvCache(batch.rows(), positions - 1)) {
            Tensor pads = Tensors.fromLongs(batch.pads(), batch.rows(), 1).to(model.placement().torchDevice(),
                    ScalarType.Long); // (B, 1)
            long[] input = batch.ids();
            long width = batch.width();
            while (true) {
                float[] logits;
                try (PointerScope step = new PointerScope()) {
                    logits = nextLogits(input, width, pads, cache);
                }
                input = out.add(logits, vocab);
                width = 1;
                if (out.allDone()) {
                    return out.tokens();
                }
            }
        }
    }

    /**
     * One forward of {@code width} new tokens per row through the cache.
     *
     * @return the logits (B, V) of each row's last position, on the host: a device sync point, but the next inputs
     *     depend on them
     */
    private float[] nextLogits(long[] tokens, long width, Tensor pads, KvCache cache) {
        long rows = pads.size(0);
        long length = cache.length() + width;
        Tensor keyIndex = torch.arange(new Scalar(0), new Scalar(length),
                model.placement().options(ScalarType.Long)).unsqueeze(0); // (1, L)
        Tensor keyValid = keyIndex.ge(pads); // (B, L): the left padding is no key
        // (B, T): 0 at each prompt's first real token; the padding's own positions are clamped, it is never attended
        Tensor positions = keyIndex.narrow(1, length - width, width).sub(pads).clamp_min(new Scalar(0));
        Tensor ids = Tensors.fromLongs(tokens, rows, width);
        Tensor h = model.hidden(ids, positions, keyValid, cache); // (B, T, C)
        Tensor last = h.select(1, width - 1); // (B, C)
        return Tensors.toFloats(model.head().logits(last)); // (B, V)
    }

    private static void checkIds(GenerationSettings s, int vocab) {
        if (s.padId() >= vocab) {
            throw new IllegalArgumentException("padId " + s.padId() + " is outside the vocabulary [0, " + vocab + ")");
        }
        for (int id : s.eosIds()) {
            if (id >= vocab) {
                throw new IllegalArgumentException("eos id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }
}
