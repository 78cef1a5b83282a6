package org.lomospark.trainer.dist;

/**
 * The layout of {@code dp x tp} ranks: tensor-parallel ranks are consecutive (rank = dpRank * tp + tpRank), so
 * a tensor-parallel group, which talks in every block, stays on one host when a host has {@code tp} devices.
 *
 * <pre>
 * Mesh m = new Mesh(2, 2, 3);   // dp 2, tp 2, rank 3: dpRank 1, tpRank 1
 * </pre>
 */
public record Mesh(int dp, int tp, int rank) {
    public Mesh {
        if (dp < 1 || tp < 1) {
            throw new IllegalArgumentException("dp " + dp + " and tp " + tp + " must be at least 1");
        }
        if (rank < 0 || rank >= dp * tp) {
            throw new IllegalArgumentException("rank " + rank + " is outside the world of dp x tp = " + dp * tp);
        }
    }

    public int world() {
        return dp * tp;
    }

    public int dpRank() {
        return rank / tp;
    }

    public int tpRank() {
        return rank % tp;
    }

    /** The world ranks of this rank's data-parallel group, in group-rank order. */
    public int[] dpGroup() {
        int[] out = new int[dp];
        for (int d = 0; d < dp; d++) {
            out[d] = d * tp + tpRank();
        }
        return out;
    }

    /** The world ranks of this rank's tensor-parallel group, in group-rank order. */
    public int[] tpGroup() {
        int[] out = new int[tp];
        for (int t = 0; t < tp; t++) {
            out[t] = dpRank() * tp + t;
        }
        return out;
    }
}
