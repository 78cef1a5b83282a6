package org.lomospark.trainer.model;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * The part of a parameter one tensor-parallel rank holds: indices {@code [from, to)} along {@code dim} of a tensor of
 * {@code fullShape}, or the whole tensor ({@code dim} -1: replicated on every rank, or no tensor parallelism).
 *
 * <pre>{@code
 * Slice rows = new Slice(new long[] {4096, 4096}, 0, 2048, 4096);   // q_proj rows of rank 1 of 2
 * rows.shape();                                                    // {2048, 4096}
 * }</pre>
 */
public record Slice(long[] fullShape, int dim, long from, long to) {
    public Slice {
        fullShape = fullShape.clone();
        if (dim >= fullShape.length || dim < -1) {
            throw new IllegalArgumentException("cannot slice dim " + dim + " of shape " + Arrays.toString(fullShape));
        }
        if (dim >= 0 && (from < 0 || from >= to || to > fullShape[dim])) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") along dim " + dim
                    + " is not a non-empty part of shape " + Arrays.toString(fullShape));
        }
    }

    /** The whole tensor. */
    public static Slice whole(long... shape) {
        return new Slice(shape, -1, 0, 0);
    }

    public boolean isWhole() {
        return dim < 0;
    }

    @Override
    public long[] fullShape() {
        return fullShape.clone();
    }

    /** The shape of the part. */
    public long[] shape() {
        long[] s = fullShape.clone();
        if (!isWhole()) {
            s[dim] = to - from;
        }
        return s;
    }

    /** This part of {@code full} as a view of its storage; the whole tensor as it is. */
    Tensor view(Tensor full) {
        return isWhole() ? full : full.narrow(dim, from, to - from);
    }

    /** This part of {@code full}, a tensor of its own; the whole tensor as it is, no copy. */
    Tensor cut(Tensor full) {
        // the view would keep the full storage alive; the clone holds only the part (and is contiguous)
        return isWhole() ? full : view(full).clone();
    }

    @Override
    public String toString() {
        return isWhole() ? "whole " + Arrays.toString(fullShape)
                : "[" + from + ", " + to + ") along dim " + dim + " of " + Arrays.toString(fullShape);
    }
}
