package org.lomospark.trainer.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Megatron-style tensor parallelism over the ranks of one group: which slice of each parameter this rank holds,
 * and the all-reduce that joins the ranks' partial results. Column-parallel linears (q, k, v, gate, up) hold rows of
 * their weight, row-parallel ones (o, down) the matching columns, so a block's branch is one all-reduce away from
 * its full output; the vocabulary (embedding and LM head rows) is split in near-equal contiguous ranges; norm weights
 * are replicated. Over a group of one every parameter is whole and every reduction is a no-op.
 *
 * <pre>{@code
 * try (Distributed d = Distributed.join(address, new Mesh(1, 2, rank), host, timeout);
 *      LlamaModel m = LlamaModel.create(config, placement, 42, true, d.tp())) {
 *     Map<String, Tensor> full = m.gatherParameters();   // the tp 1 model's tensors, on every rank
 * }
 * }</pre>
 */
public final class TensorParallel {
    private static final TensorParallel NONE = new TensorParallel(Group.single());

    private final Group group;

    private TensorParallel(Group group) {
        this.group = group;
    }

    /** The ranks of {@code group} share one model, each holding its slices. */
    public static TensorParallel over(Group group) {
        return group.size() == 1 ? NONE : new TensorParallel(group);
    }

    /** One rank holds the whole model. */
    public static TensorParallel none() {
        return NONE;
    }

    public Group group() {
        return group;
    }

    public int size() {
        return group.size();
    }

    public int rank() {
        return group.rank();
    }

    /** More than one rank. */
    public boolean active() {
        return group.size() > 1;
    }

    /**
     * Refuses a model whose heads or MLP width do not split evenly over the ranks (a split head would need its
     * rotary pairs and its softmax on two ranks). The vocabulary may split unevenly: ranks differ by one row at most.
     */
    void check(LlamaConfig c) {
        requireSplits(c, size());
    }

    /** {@link #check} for {@code t} ranks, before any exists: a driver refuses the layout before tasks start. */
    public static void requireSplits(LlamaConfig c, int t) {
        if (c.numHeads() % t != 0 || c.numKvHeads() % t != 0) {
            throw new IllegalArgumentException("tensor parallelism over " + t + " ranks gives each rank whole heads: "
                    + "num_attention_heads (" + c.numHeads() + ") and num_key_value_heads (" + c.numKvHeads()
                    + ") must both be multiples of " + t);
        }
        if (c.intermediateSize() % t != 0) {
            throw new IllegalArgumentException("tensor parallelism over " + t + " ranks splits the MLP: "
                    + "intermediate_size (" + c.intermediateSize() + ") must be a multiple of " + t);
        }
        if (c.vocabSize() < t) {
            throw new IllegalArgumentException("tensor parallelism over " + t + " ranks splits the vocabulary: "
                    + "vocab_size (" + c.vocabSize() + ") must be at least " + t);
        }
    }

    /** This rank's part of a tensor of {@code fullShape} split along {@code dim}; whole over one rank. */
    Slice slice(int dim, long... fullShape) {
        return slice(rank(), dim, fullShape);
    }

    /** Rank {@code r}'s part: indices {@code [n r / T, n (r + 1) / T)} of the {@code n} along {@code dim}. */
    Slice slice(int r, int dim, long... fullShape) {
        if (!active()) {
            return Slice.whole(fullShape);
        }
        long n = fullShape[dim];
        return new Slice(fullShape, dim, n * r / size(), n * (r + 1) / size());
    }

    /**
     * Sums a rank's partial result over the group, in place (every rank ends with the sum), and returns it.
     * Outside autograd: a graph through it would not see the other ranks' parts.
     *
     * @param partial contiguous (the collective reads and writes its storage as one run)
     */
    public Tensor sum(Tensor partial) {
        if (active()) {
            requireContiguous(partial);
            group.allReduceSum(partial);
        }
        return partial;
    }

    /** Elementwise maximum over the group, in place; returns {@code partial}. */
    Tensor max(Tensor partial) {
        if (active()) {
            requireContiguous(partial);
            group.allReduceMax(partial);
        }
        return partial;
    }

    private static void requireContiguous(Tensor t) {
        if (!t.is_contiguous()) {
            throw new IllegalArgumentException("a tensor-parallel reduction needs a contiguous tensor");
        }
    }

    /**
     * The whole tensor from every rank's part, on every rank: each rank broadcasts its part in turn, so every slice
     * crosses the network once. Every rank must call it, for the same parameters in the same order.
     *
     * @param mine this rank's part, described by {@code slice}
     * @return a new tensor the caller closes (the part itself, detached, for a whole one)
     */
    Tensor gather(Tensor mine, Slice slice) {
        if (slice.isWhole()) {
            return mine.detach();
        }
        try (PointerScope scope = new PointerScope()) {
            TensorVector parts = new TensorVector();
            for (int r = 0; r < size(); r++) {
                Tensor part = r == rank() ? mine.detach().contiguous()
                        : Tensors.empty(mine.options(), slice(r, slice.dim(), slice.fullShape()).shape());
                group.broadcast(part, r);
                parts.push_back(part);
            }
            return Native.keep(torch.cat(parts, slice.dim()));
        }
    }
}
