package org.lomospark.trainer.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor entry of a safetensors header: its name, dtype, shape and byte range. {@code begin} and
 * {@code end} are offsets into the data section (the bytes after the header), as in the file.
 *
 * <pre>{@code
 * TensorInfo w = file.info("model.embed_tokens.weight");
 * long vocab = w.shape()[0];        // the array is a copy
 * long bytes = w.byteCount();       // == w.end() - w.begin() in a valid file
 * }</pre>
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /** A copy of the shape: the record stays immutable. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: 1 for a scalar (shape {@code []}), 0 if any dimension is 0. */
    public long numel() {
        return numel(shape);
    }

    /** Bytes the elements take: {@code numel() * dtype().byteSize()}. */
    public long byteCount() {
        return Math.multiplyExact(numel(), dtype.byteSize());
    }

    /** Product of the dimensions, with overflow an {@link ArithmeticException}. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
