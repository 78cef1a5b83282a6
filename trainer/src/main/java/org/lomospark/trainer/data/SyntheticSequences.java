package org.lomospark.trainer.data;

import java.util.SplittableRandom;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Generated training text a tiny model can learn in minutes: each row walks the printable ASCII range (byte
 * tokens 32..126) with a stride of 1 to 4 from a random start, so after two tokens every next token is
 * predictable. Batch {@code i} depends only on (seed, i).
 */
public record SyntheticSequences(long seed, int batchSize, int seqLen, int vocabSize) implements TokenSource {
    private static final int FIRST = 32;
    private static final int SPAN = 95;

    public SyntheticSequences {
        if (vocabSize < FIRST + SPAN) {
            throw new IllegalArgumentException("synthetic data needs vocab_size >= " + (FIRST + SPAN) + ", got " + vocabSize);
        }
        if (batchSize < 1 || seqLen < 2) {
            throw new IllegalArgumentException("batch must be >= 1 and seq >= 2");
        }
    }

    @Override
    public Batch batch(long index) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        long[] ids = new long[batchSize * seqLen];
        long[] targets = new long[ids.length];
        for (int b = 0; b < batchSize; b++) {
            int start = rng.nextInt(SPAN);
            int stride = 1 + rng.nextInt(4);
            for (int t = 0; t < seqLen; t++) {
                ids[b * seqLen + t] = FIRST + Math.floorMod(start + t * stride, SPAN);
                targets[b * seqLen + t] = FIRST + Math.floorMod(start + (t + 1) * stride, SPAN);
            }
        }
        return new Batch(Tensors.fromLongs(ids, batchSize, seqLen), Tensors.fromLongs(targets, batchSize, seqLen),
                null, ids.length);
    }

    @Override
    public String describe() {
        return "synthetic strided ASCII sequences (seed " + seed + ")";
    }
}
