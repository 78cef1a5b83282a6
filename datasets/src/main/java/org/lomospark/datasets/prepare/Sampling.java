package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Which records of each input file a prepare job keeps: at most {@code train} of every train file and at most
 * {@code eval} of every val or test file (0 keeps all), chosen by seed.
 *
 * <p>A record's place in the draw is {@link #key} of the seed, its source and its id alone, so the choice does
 * not depend on the order of the file, on partitioning or on the other records: the same seed picks the same
 * records on any cluster, and a record kept with {@code n} is also kept with any larger {@code n}. The paper's
 * SuperGLUE setup is {@code new Sampling(seed, 1000, 1000)}.
 */
public record Sampling(long seed, int train, int eval) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Every record. */
    public static final Sampling ALL = new Sampling(0, 0, 0);

    public Sampling {
        if (train < 0 || eval < 0) {
            throw new IllegalArgumentException("sample sizes must be 0 (all) or positive, got train " + train
                    + ", eval " + eval);
        }
    }

    /** How many records to keep from a file of this split; {@link Integer#MAX_VALUE} for all. */
    int limit(boolean trainSplit) {
        int n = trainSplit ? train : eval;
        return n == 0 ? Integer.MAX_VALUE : n;
    }

    /** The record's draw: smaller keys are kept first. FNV-1a over the UTF-8 bytes, then SplitMix64's mixer. */
    long key(String source, String split, String id) {
        return mix(fnv(seed, source + '\u0000' + split + '\u0000' + id));
    }

    /** FNV-1a over the UTF-8 bytes of {@code text}, started from {@code seed}. */
    static long fnv(long seed, String text) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64's finalizer: every input bit reaches every output bit. */
    static long mix(long h) {
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
