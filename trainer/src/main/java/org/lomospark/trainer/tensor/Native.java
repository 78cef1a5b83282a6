package org.lomospark.trainer.tensor;

import org.bytedeco.javacpp.Pointer;

/** Ownership helpers for JavaCPP pointers made inside a {@code PointerScope}. */
public final class Native {
    private Native() {}

    /**
     * Lets {@code p} outlive the scope it was made in: the scope's close drops its reference, ours remains, and the
     * caller now owns {@code p} and must {@code close()} it.
     */
    public static <P extends Pointer> P keep(P p) {
        p.retainReference();
        return p;
    }

    /** Closes every pointer, null-tolerant; used in finally blocks. */
    public static void closeAll(Iterable<? extends Pointer> pointers) {
        for (Pointer p : pointers) {
            if (p != null) {
                p.close();
            }
        }
    }
}
