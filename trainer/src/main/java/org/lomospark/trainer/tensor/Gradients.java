package org.lomospark.trainer.tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Named gradients that sum as they arrive (micro-batches, loss chunks, a tied weight's two uses). Owns its
 * tensors: {@link #take} hands one over and forgets it, {@link #close} frees the rest.
 */
public final class Gradients implements AutoCloseable {
    private final Map<String, Tensor> byName = new LinkedHashMap<>();

    /** Adds {@code g} (which may be a non-owning alias from a TensorVector) to the gradient of {@code name}. */
    public void add(String name, Tensor g) {
        Tensor existing = byName.get(name);
        if (existing == null) {
            // a new owning handle on the same storage: an alias dies with whoever produced it
            byName.put(name, Native.keep(new Tensor(g)));
        } else {
            existing.add_(g);
        }
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** Removes and returns the gradient of {@code name}, or null; the caller owns it. */
    public Tensor take(String name) {
        return byName.remove(name);
    }

    @Override
    public void close() {
        Native.closeAll(byName.values());
        byName.clear();
    }
}
