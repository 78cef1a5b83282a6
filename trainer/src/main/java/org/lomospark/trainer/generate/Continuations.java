package org.lomospark.trainer.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The new tokens of every row so far, and which rows are done: after an eos token (kept as the row's last) or at
 * max new tokens. A done row still needs an input while the others decode: it gets the pad id, and its output stops.
 */
final class Continuations {
    private final List<Sampler> samplers = new ArrayList<>();
    private final Set<Integer> eos;
    private final int padId;
    private final int[][] tokens;
    private final int[] counts;
    private final boolean[] done;
    private int open;

    Continuations(int rows, GenerationSettings s) {
        for (int r = 0; r < rows; r++) {
            samplers.add(Sampler.of(s.sampling(), r));
        }
        this.eos = s.eosIds();
        this.padId = s.padId();
        this.tokens = new int[rows][s.maxNewTokens()];
        this.counts = new int[rows];
        this.done = new boolean[rows];
        this.open = rows;
    }

    /**
     * Chooses each open row's next token from its logits (B, V) on the host.
     *
     * @return the next input per row: its new token, or the pad id for a row that was done already
     */
    long[] add(float[] logits, int vocab) {
        long[] next = new long[done.length];
        for (int r = 0; r < done.length; r++) {
            if (done[r]) {
                next[r] = padId;
                continue;
            }
            int token = samplers.get(r).next(logits, r * vocab, vocab);
            tokens[r][counts[r]++] = token;
            next[r] = token;
            if (eos.contains(token) || counts[r] == tokens[r].length) {
                done[r] = true;
                open--;
            }
        }
        return next;
    }

    boolean allDone() {
        return open == 0;
    }

    /** Each row's new tokens. */
    List<int[]> tokens() {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < done.length; r++) {
            out.add(Arrays.copyOf(tokens[r], counts[r]));
        }
        return out;
    }
}
