package org.lomospark.trainer.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses one row's next tokens from its logits, on the host: the logits of a step are copied there anyway (the
 * stop test needs the tokens), and a Java RNG draws the same numbers on every device and batch size.
 */
final class Sampler {
    /** null for greedy. */
    private final Sampling.TopP topP;
    private final SplittableRandom random;

    private Sampler(Sampling.TopP topP, SplittableRandom random) {
        this.topP = topP;
        this.random = random;
    }

    /** The sampler of row {@code row} of a call: with top-p, its own random stream, whatever the other rows do. */
    static Sampler of(Sampling sampling, int row) {
        if (sampling instanceof Sampling.TopP p) {
            return new Sampler(p, new SplittableRandom(streamSeed(p.seed(), row)));
        }
        return new Sampler(null, null);
    }

    /** The next token from {@code logits[from, from + vocab)}. */
    int next(float[] logits, int from, int vocab) {
        return topP == null ? argmax(logits, from, vocab) : nucleus(logits, from, vocab);
    }

    private static int argmax(float[] logits, int from, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[from + i] > logits[from + best]) {
                best = i;
            }
        }
        return best;
    }

    private int nucleus(float[] logits, int from, int vocab) {
        float max = logits[from + argmax(logits, from, vocab)];
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[from + i] - (double) max) / topP.temperature());
            sum += p[i];
        }
        // Most probable first, equal probabilities by lower id: a primitive sort of (probability, inverted id) keys,
        // no boxing over the vocabulary. A probability's float bits order like the number (it is >= 0, <= 1).
        long[] order = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            p[i] /= sum;
            order[i] = ((long) Float.floatToIntBits((float) p[i]) << 32) | (0xFFFFFFFFL - i);
        }
        Arrays.sort(order);
        int kept = 0;
        double mass = 0;
        while (kept < vocab && mass < topP.topP()) {
            mass += p[id(order[vocab - 1 - kept])];
            kept++;
        }
        // renormalized over the kept set: a uniform draw over its mass
        double u = random.nextDouble() * mass;
        double cumulative = 0;
        for (int k = 0; k < kept; k++) {
            int id = id(order[vocab - 1 - k]);
            cumulative += p[id];
            if (u < cumulative) {
                return id;
            }
        }
        return id(order[vocab - kept]); // u rounded up to the mass itself
    }

    private static int id(long key) {
        return (int) (0xFFFFFFFFL - (key & 0xFFFFFFFFL));
    }

    /** SplitMix64's finalizer over seed and row: far-apart starting points, so rows' streams do not overlap. */
    private static long streamSeed(long seed, int row) {
        long z = seed + (row + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
