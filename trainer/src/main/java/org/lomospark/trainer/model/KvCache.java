package org.lomospark.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/**
 * The keys and values every layer has seen so far in one decoding batch, and the rotary tables of the positions the
 * batch can reach. Each forward through {@link LlamaModel#hidden(Tensor, Tensor, Tensor, KvCache)} writes its T new
 * positions after the {@link #length()} cached ones, so decoding grows the cache one position per step.
 *
 * <p>The buffers are allocated once at full capacity: a step writes into them instead of concatenating, so no step
 * copies the whole cache (a {@code cat} per layer and step would copy O(L) keys each time, O(L^2) in all).
 *
 * <pre>{@code
 * try (KvCache cache = model.kvCache(batch, promptLength + maxNewTokens - 1)) {
 *     Tensor h = model.hidden(ids, positions, keyValid, cache); // prefill; then one token per call
 * }
 * }</pre>
 */
public final class KvCache implements AutoCloseable {
    /** Per layer (B, nkv, S, hs), S = capacity; positions at or after {@link #length} are never read. */
    private final List<Tensor> keys = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();
    /** (S, hs) rotary tables of positions 0..S-1, made once for the whole decode. */
    private final Tensor cos;
    private final Tensor sin;
    private final long batch;
    private final long capacity;
    private long length;

    KvCache(LlamaConfig c, int ranks, long batch, long capacity, Placement at, RotaryEmbedding rotary) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("a KV cache needs batch >= 1 and capacity >= 1, got batch " + batch
                    + " and capacity " + capacity);
        }
        this.batch = batch;
        this.capacity = capacity;
        long[] shape = {batch, c.numKvHeads() / ranks, capacity, c.headDim()}; // (B, nkv, S, hs)
        try (PointerScope scope = new PointerScope()) {
            for (int i = 0; i < c.numLayers(); i++) {
                // uninitialized: only positions already written are read
                keys.add(Native.keep(Tensors.empty(at.options(), shape)));
                values.add(Native.keep(Tensors.empty(at.options(), shape)));
            }
            Tensor[] tables = rotary.tables(capacity, at); // (S, hs) each
            this.cos = Native.keep(tables[0]);
            this.sin = Native.keep(tables[1]);
        } catch (RuntimeException e) {
            Native.closeAll(keys); // what was kept before the failure (an allocation, most likely)
            Native.closeAll(values);
            throw e;
        }
    }

    /** Positions already cached (the same for every row: padding is on the left, inside the cache). */
    public long length() {
        return length;
    }

    /** The most positions this cache holds. */
    public long capacity() {
        return capacity;
    }

    /** Rows of the batch. */
    public long batch() {
        return batch;
    }

    /**
     * Writes layer {@code layer}'s new keys and values (B, nkv, T, hs) after the cached ones.
     *
     * @return all keys and values, (B, nkv, length + T, hs) views of the buffers
     */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        long t = k.size(2);
        Tensor allKeys = keys.get(layer);
        Tensor allValues = values.get(layer);
        allKeys.narrow(2, length, t).copy_(k);
        allValues.narrow(2, length, t).copy_(v);
        return new Tensor[] {allKeys.narrow(2, 0, length + t), allValues.narrow(2, 0, length + t)};
    }

    /** The cos and signed sin rows at position ids (B, T): (B, 1, T, hs) each. */
    Tensor[] rotary(Tensor positions) {
        return new Tensor[] {RotaryEmbedding.rows(cos, positions), RotaryEmbedding.rows(sin, positions)};
    }

    /** Refuses a forward of {@code t} positions that would not fit. */
    void checkRoom(long rows, long t) {
        if (rows != batch) {
            throw new IllegalArgumentException("a batch of " + rows + " rows over a KV cache of " + batch + " rows");
        }
        if (length + t > capacity) {
            throw new IllegalArgumentException(t + " new positions after " + length + " cached exceed the KV cache's"
                    + " capacity of " + capacity);
        }
    }

    /** Counts the {@code t} positions every layer has just appended. */
    void advance(long t) {
        length += t;
    }

    @Override
    public void close() {
        Native.closeAll(keys);
        Native.closeAll(values);
        cos.close();
        sin.close();
    }
}
