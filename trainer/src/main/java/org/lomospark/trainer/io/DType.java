package org.lomospark.trainer.io;

import java.util.Arrays;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The element types this project reads and writes in safetensors files, named as in the file header.
 *
 * <pre>{@code
 * DType d = DType.of(Tensors.dtype(weight));   // BF16
 * long bytes = numel * d.byteSize();
 * }</pre>
 */
public enum DType {
    F32(4, ScalarType.Float),
    F16(2, ScalarType.Half),
    BF16(2, ScalarType.BFloat16),
    I64(8, ScalarType.Long),
    I32(4, ScalarType.Int),
    I8(1, ScalarType.Char),
    U8(1, ScalarType.Byte),
    BOOL(1, ScalarType.Bool);

    private final int byteSize;
    private final ScalarType scalarType;

    DType(int byteSize, ScalarType scalarType) {
        this.byteSize = byteSize;
        this.scalarType = scalarType;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The libtorch element type. */
    public ScalarType scalarType() {
        return scalarType;
    }

    /**
     * The safetensors dtype of a libtorch element type.
     *
     * @throws IllegalArgumentException for element types safetensors files of this project do not hold
     */
    public static DType of(ScalarType t) {
        // A ScalarType handed back by native code is not the Java constant until interned.
        ScalarType interned = t == null ? null : t.intern();
        for (DType d : values()) {
            if (d.scalarType == interned) {
                return d;
            }
        }
        throw new IllegalArgumentException("unsupported tensor dtype " + t + " (supported: "
                + Arrays.toString(values()) + ")");
    }
}
