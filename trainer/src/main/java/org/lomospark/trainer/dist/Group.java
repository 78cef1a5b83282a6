package org.lomospark.trainer.dist;

import org.bytedeco.pytorch.Tensor;

/**
 * The collectives the trainer needs over one group of ranks: the data-parallel or the tensor-parallel ranks.
 * Every operation is blocking and in place, and every rank of the group must make the same calls in the same
 * order. A group of one ({@link #single()}) makes them all no-ops, so single-device code pays nothing.
 *
 * <pre>
 * try (Group dp = Rendezvous.gloo(store, "dp", rank, size, Duration.ofMinutes(5))) {
 *     dp.allReduceSum(grad);
 * }
 * </pre>
 */
public interface Group extends AutoCloseable {
    /** This process's rank in the group, from 0. */
    int rank();

    int size();

    /** Every rank ends with the elementwise sum of every rank's {@code t}. */
    void allReduceSum(Tensor t);

    /** Every rank ends with the elementwise maximum. */
    void allReduceMax(Tensor t);

    /** Every rank ends with {@code root}'s {@code t}. */
    void broadcast(Tensor t, int root);

    /** Returns when every rank has called it. */
    void barrier();

    @Override
    void close();

    /**
     * Ends this rank's part in the group from any thread, failing the collective it may be blocked in (NCCL: a peer
     * that failed never sends, and nothing else would end the wait before the group's timeout). No-op where a
     * failed peer already fails the wait (Gloo: its sockets close) and for one process.
     */
    default void abort() {}

    /** The group of this process alone. */
    static Group single() {
        return Single.INSTANCE;
    }

    /** Sums a count over the group (a host value, e.g. target tokens), through a small tensor on the CPU. */
    default long sum(long value) {
        if (size() == 1) {
            return value;
        }
        try (Tensor t = org.bytedeco.pytorch.global.torch.tensor(value)) {
            allReduceSum(t);
            return t.item_long();
        }
    }

    /** Sums a host number over the group. */
    default double sum(double value) {
        if (size() == 1) {
            return value;
        }
        try (Tensor t = org.bytedeco.pytorch.global.torch.tensor(value)) {
            allReduceSum(t);
            return t.item_double();
        }
    }

    /** {@link #single()}'s implementation. */
    final class Single implements Group {
        private static final Single INSTANCE = new Single();

        private Single() {}

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public void allReduceSum(Tensor t) {}

        @Override
        public void allReduceMax(Tensor t) {}

        @Override
        public void broadcast(Tensor t, int root) {}

        @Override
        public void barrier() {}

        @Override
        public void close() {}
    }
}
