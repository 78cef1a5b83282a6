package org.lomospark.trainer.generate;

import java.util.List;

/**
 * Prompts of different lengths as one (B, P) batch, P the longest: each prompt ends at the last column, after
 * {@code pads[b]} pad tokens, so every row's next token goes to the same column.
 */
final class LeftPadded {
    private final long[] ids;
    private final long[] pads;
    private final int width;

    private LeftPadded(long[] ids, long[] pads, int width) {
        this.ids = ids;
        this.pads = pads;
        this.width = width;
    }

    /**
     * @throws IllegalArgumentException naming the prompt that is empty or holds an id outside {@code [0, vocab)}
     */
    static LeftPadded of(List<int[]> prompts, int padId, int vocab) {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts must hold at least one prompt");
        }
        int width = 0;
        for (int b = 0; b < prompts.size(); b++) {
            int[] p = prompts.get(b);
            if (p == null || p.length == 0) {
                throw new IllegalArgumentException("prompt " + b + " is empty: there is nothing to continue");
            }
            for (int id : p) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("prompt " + b + " holds token " + id
                            + ", outside the vocabulary [0, " + vocab + ")");
                }
            }
            width = Math.max(width, p.length);
        }
        long[] ids = new long[prompts.size() * width];
        long[] pads = new long[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            int[] p = prompts.get(b);
            pads[b] = width - p.length;
            for (int j = 0; j < width; j++) {
                ids[b * width + j] = j < pads[b] ? padId : p[j - (int) pads[b]];
            }
        }
        return new LeftPadded(ids, pads, width);
    }

    /** (B, P) token ids, row-major. */
    long[] ids() {
        return ids;
    }

    /** (B) pad tokens before each prompt. */
    long[] pads() {
        return pads;
    }

    int rows() {
        return pads.length;
    }

    /** P, the longest prompt. */
    int width() {
        return width;
    }
}
