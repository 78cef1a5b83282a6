package org.lomospark.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.lomospark.trainer.dist.LayoutOnlyGroup;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/**
 * The cached, batched generator against a naive decoder written here: one prompt at a time, the whole prefix run
 * again through {@link LlamaModel#hidden(Tensor, Tensor)} at every step (no cache, no padding, positions 0..n-1),
 * choosing each token with the same {@link Sampler} from the last position's logits.
 */
class GeneratorTest {
    private static final Placement F32 = Placement.cpu(ScalarType.Float);
    /** 4 query heads over 2 kv heads. */
    private static final LlamaConfig TINY = LlamaConfig.preset("tiny");
    /** As many kv heads as query heads, tied embedding. */
    private static final LlamaConfig MHA = LlamaConfig.builder(259, 32, 64, 2, 4, 4).maxPositions(128)
            .tieWordEmbeddings(true).build();
    /** 4 query heads share one kv head; q/k/v biases; untied head. */
    private static final LlamaConfig GQA = LlamaConfig.builder(259, 32, 64, 3, 4, 1).maxPositions(128)
            .attentionBias(true).build();
    /** Lengths 5, 1, 9, 3: every row but one left-padded, one of them by 8. */
    private static final List<int[]> PROMPTS = List.of(new int[] {10, 20, 30, 40, 50}, new int[] {7},
            new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, new int[] {200, 100, 250});

    @Test
    void greedyBatchOfDifferentLengthsMatchesFullRecomputeOnePromptAtATime() {
        assertMatchesNaive(TINY, 3, PROMPTS, new GenerationSettings(8, Sampling.greedy(), Set.of(), 0));
    }

    @Test
    void fullMultiHeadAttentionAndOneKvHeadMatchFullRecompute() {
        assertMatchesNaive(MHA, 4, PROMPTS, new GenerationSettings(8, Sampling.greedy(), Set.of(), 0));
        assertMatchesNaive(GQA, 5, PROMPTS, new GenerationSettings(8, Sampling.greedy(), Set.of(), 0));
    }

    @Test
    void theOutputDoesNotDependOnThePadId() {
        // pads are masked out of attention and their positions are clamped: which id they embed changes nothing
        try (PointerScope scope = new PointerScope(); LlamaModel m = LlamaModel.create(GQA, F32, 5)) {
            Generator g = new Generator(m);
            assertTokens(g.generate(PROMPTS, new GenerationSettings(6, Sampling.greedy(), Set.of(), 0)),
                    g.generate(PROMPTS, new GenerationSettings(6, Sampling.greedy(), Set.of(), 258)));
        }
    }

    @Test
    void topPSamplingIsReproducibleAndMatchesFullRecomputeWithTheSameDraws() {
        GenerationSettings s = new GenerationSettings(10, Sampling.topP(0.9, 0.8, 1234), Set.of(), 0);
        try (PointerScope scope = new PointerScope(); LlamaModel m = LlamaModel.create(TINY, F32, 3)) {
            Generator g = new Generator(m);
            List<int[]> first = g.generate(PROMPTS, s);
            assertTokens(naive(m, PROMPTS, s), first);
            assertTokens(first, g.generate(PROMPTS, s));
            List<int[]> otherSeed = g.generate(PROMPTS, new GenerationSettings(10, Sampling.topP(0.9, 0.8, 99),
                    Set.of(), 0));
            assertFalse(same(first, otherSeed), "another seed drew the same tokens: is anything random?");
            assertFalse(same(first, naive(m, PROMPTS, new GenerationSettings(10, Sampling.greedy(), Set.of(), 0))),
                    "top-p 0.8 drew exactly the greedy tokens");
        }
    }

    @Test
    void aTinyTopPKeepsOnlyTheMostProbableTokenAndIsGreedy() {
        try (PointerScope scope = new PointerScope(); LlamaModel m = LlamaModel.create(TINY, F32, 3)) {
            List<int[]> nucleus = new Generator(m).generate(PROMPTS,
                    new GenerationSettings(8, Sampling.topP(1.0, 1e-9, 5), Set.of(), 0));
            assertTokens(naive(m, PROMPTS, new GenerationSettings(8, Sampling.greedy(), Set.of(), 0)), nucleus);
        }
    }

    @Test
    void rowsStopAfterTheirEosWhileTheOthersRunToMaxNewTokens() {
        int maxNew = 8;
        try (PointerScope scope = new PointerScope(); LlamaModel m = LlamaModel.create(TINY, F32, 3)) {
            List<int[]> free = naive(m, PROMPTS, new GenerationSettings(maxNew, Sampling.greedy(), Set.of(), 0));
            // an eos the greedy run of prompt 0 produces at step >= 1, and the last prompt never does
            int eos = -1;
            for (int i = 1; i < maxNew && eos < 0; i++) {
                int candidate = free.get(0)[i];
                if (indexOf(free.get(3), candidate) < 0) {
                    eos = candidate;
                }
            }
            assertTrue(eos >= 0, "no usable eos in " + Arrays.toString(free.get(0)));
            List<int[]> want = new ArrayList<>();
            for (int[] row : free) {
                int at = indexOf(row, eos);
                want.add(at < 0 ? row : Arrays.copyOf(row, at + 1)); // the eos is the last token kept
            }
            assertTrue(want.get(0).length < maxNew && want.get(3).length == maxNew, "the case tests nothing");
            List<int[]> got = new Generator(m).generate(PROMPTS,
                    new GenerationSettings(maxNew, Sampling.greedy(), Set.of(eos, 258), 0));
            assertTokens(want, got);
            assertEquals(eos, got.get(0)[got.get(0).length - 1]);
        }
    }

    @Test
    void oneNewTokenIsThePrefillsChoice() {
        assertMatchesNaive(GQA, 6, PROMPTS, new GenerationSettings(1, Sampling.greedy(), Set.of(), 0));
    }

    @Test
    void topPKeepsTheSmallestMostProbableSetThenRenormalizes() {
        float[] logits = logs(0.5, 0.3, 0.15, 0.05);
        int[] counts = draws(Sampling.topP(1.0, 0.75, 1), logits, 20000); // {0, 1}: 0.5 < 0.75 <= 0.8
        assertEquals(0, counts[2] + counts[3]);
        assertEquals(0.5 / 0.8, counts[0] / 20000.0, 0.015);
        counts = draws(Sampling.topP(1.0, 1.0, 2), logits, 20000); // the whole distribution
        assertEquals(0.15, counts[2] / 20000.0, 0.01);
        assertEquals(0.05, counts[3] / 20000.0, 0.005);
        // temperature first: at 0.5 token 0 has 0.25 / 0.365 = 0.68 >= 0.6 alone
        assertEquals(20000, draws(Sampling.topP(0.5, 0.6, 3), logits, 20000)[0]);
        assertEquals(1, Sampler.of(Sampling.greedy(), 0).next(new float[] {9, 1, 5, 5, 0}, 1, 4), "offset row");
    }

    @Test
    void invalidSettingsAreRefusedNamingTheField() {
        refused("maxNewTokens", () -> new GenerationSettings(0, Sampling.greedy(), Set.of(), 0));
        refused("sampling", () -> new GenerationSettings(4, null, Set.of(), 0));
        refused("eosIds", () -> new GenerationSettings(4, Sampling.greedy(), null, 0));
        refused("eosIds", () -> new GenerationSettings(4, Sampling.greedy(), Set.of(2, -1), 0));
        refused("padId", () -> new GenerationSettings(4, Sampling.greedy(), Set.of(), -1));
        refused("temperature", () -> Sampling.topP(0, 0.9, 1));
        refused("temperature", () -> Sampling.topP(Double.NaN, 0.9, 1));
        refused("topP", () -> Sampling.topP(1, 0, 1));
        refused("topP", () -> Sampling.topP(1, 1.5, 1));
        try (PointerScope scope = new PointerScope(); LlamaModel m = LlamaModel.create(MHA, F32, 1)) {
            Generator g = new Generator(m);
            GenerationSettings ok = new GenerationSettings(4, Sampling.greedy(), Set.of(), 0);
            refused("padId", () -> g.generate(PROMPTS, new GenerationSettings(4, Sampling.greedy(), Set.of(), 259)));
            refused("eos id 300",
                    () -> g.generate(PROMPTS, new GenerationSettings(4, Sampling.greedy(), Set.of(300), 0)));
            refused("prompt 1 is empty", () -> g.generate(List.of(new int[] {1}, new int[0]), ok));
            refused("prompt 0 holds token 259", () -> g.generate(List.<int[]>of(new int[] {259}), ok));
            refused("prompts", () -> g.generate(List.of(), ok));
            refused("maxNewTokens (125)", () -> g.generate(List.<int[]>of(new int[] {1, 2, 3, 4}),
                    new GenerationSettings(125, Sampling.greedy(), Set.of(), 0))); // 4 + 125 > 128 positions
        }
    }

    @Test
    void aTensorParallelModelIsRefused() {
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, F32, 1, true, new LayoutOnlyGroup(0, 2))) {
            refused("one rank", () -> new Generator(m));
        }
    }

    private static void assertMatchesNaive(LlamaConfig config, long seed, List<int[]> prompts, GenerationSettings s) {
        try (PointerScope scope = new PointerScope(); LlamaModel m = LlamaModel.create(config, F32, seed)) {
            List<int[]> got = new Generator(m).generate(prompts, s);
            assertTokens(naive(m, prompts, s), got);
            for (int[] row : got) {
                assertEquals(s.maxNewTokens(), row.length, "no eos: every row runs to max new tokens");
            }
        }
    }

    /** Each prompt alone, maxNewTokens steps, each recomputing the whole prefix; no eos handling (none is set). */
    private static List<int[]> naive(LlamaModel m, List<int[]> prompts, GenerationSettings s) {
        int vocab = m.config().vocabSize();
        List<int[]> out = new ArrayList<>();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int p = 0; p < prompts.size(); p++) {
                Sampler sampler = Sampler.of(s.sampling(), p);
                long[] sequence = new long[prompts.get(p).length + s.maxNewTokens()];
                int n = 0;
                for (int id : prompts.get(p)) {
                    sequence[n++] = id;
                }
                int[] tokens = new int[s.maxNewTokens()];
                for (int i = 0; i < tokens.length; i++) {
                    try (PointerScope step = new PointerScope()) {
                        Tensor h = m.hidden(Tensors.fromLongs(Arrays.copyOf(sequence, n), 1, n), null); // (1, n, C)
                        float[] logits = Tensors.toFloats(m.head().logits(h.select(1, n - 1))); // (1, V)
                        tokens[i] = sampler.next(logits, 0, vocab);
                        sequence[n++] = tokens[i];
                    }
                }
                out.add(tokens);
            }
        }
        return out;
    }

    private static int[] draws(Sampling s, float[] logits, int n) {
        Sampler sampler = Sampler.of(s, 0);
        int[] counts = new int[logits.length];
        for (int i = 0; i < n; i++) {
            counts[sampler.next(logits, 0, logits.length)]++;
        }
        return counts;
    }

    private static float[] logs(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }

    private static int indexOf(int[] row, int token) {
        for (int i = 0; i < row.length; i++) {
            if (row[i] == token) {
                return i;
            }
        }
        return -1;
    }

    private static void assertTokens(List<int[]> want, List<int[]> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "prompt " + i + ": want " + Arrays.toString(want.get(i))
                    + ", got " + Arrays.toString(got.get(i)));
        }
    }

    private static boolean same(List<int[]> a, List<int[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static void refused(String field, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(field), "'" + e.getMessage() + "' should name " + field);
    }
}
