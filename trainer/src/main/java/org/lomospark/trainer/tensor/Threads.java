package org.lomospark.trainer.tensor;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;

/**
 * CPU threads for tensor work: libtorch's intra-op pool and OpenBLAS's own pool, which
 * {@code torch.set_num_threads} does not reach. Left alone, OpenBLAS spins up a thread per core in every process;
 * with several ranks or other work on the same cores, a tiny model's step was measured 10-20 times slower.
 */
public final class Threads {
    private Threads() {}

    /** Both pools to {@code n} threads (at least 1). */
    public static void set(int n) {
        int threads = Math.max(1, n);
        torch.set_num_threads(threads);
        openblas_nolapack.blas_set_num_threads(threads);
    }
}
