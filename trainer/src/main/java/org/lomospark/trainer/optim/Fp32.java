package org.lomospark.trainer.optim;

import java.util.Arrays;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.lomospark.trainer.tensor.Tensors;

/**
 * fp32 working tensors for updating parameters held in any float dtype: low-precision weights lose small
 * updates when the arithmetic itself runs in bf16/f16, so every rule computes in fp32 and casts back once.
 * Call inside {@link Scoped}, which frees what these return.
 */
final class Fp32 {
    private Fp32() {}

    /**
     * {@code grad * scale} in fp32 on the parameter's device. An fp32 gradient already there is scaled in place and
     * returned as is: callers hand over gradients they free right after, and a copy would double the peak for the
     * largest tensors (embedding and head gradients are vocabulary x hidden).
     */
    static Tensor gradient(String name, Tensor param, Tensor grad, double scale) {
        checkShape(name, param, grad);
        boolean reusable = Tensors.dtype(grad) == ScalarType.Float && grad.device().equals(param.device());
        Tensor g = reusable ? grad : grad.to(param.device(), ScalarType.Float, false, false, new MemoryFormatOptional());
        if (scale != 1.0) {
            g.mul_(new Scalar(scale));
        }
        return g;
    }

    static void checkShape(String name, Tensor param, Tensor grad) {
        if (!Arrays.equals(Tensors.shape(param), Tensors.shape(grad))) {
            throw new IllegalArgumentException("gradient of " + name + " has shape " + Arrays.toString(Tensors.shape(grad))
                    + ", the parameter " + Arrays.toString(Tensors.shape(param)));
        }
    }

    /** The parameter itself when it is fp32 (updated in place), else a new fp32 copy to pass to {@link #writeBack}. */
    static Tensor workingCopy(Tensor param) {
        return Tensors.dtype(param) == ScalarType.Float ? param : param.to(ScalarType.Float);
    }

    /** Casts the updated fp32 values back into the parameter, once; nothing to do when they are the parameter. */
    static void writeBack(Tensor p32, Tensor param) {
        if (p32 != param) {
            param.copy_(p32);
        }
    }

    /** {@code sqrt(mean(t^2))} in fp32 as a 0-dim tensor on t's device: no value comes back to the host. */
    static Tensor rms(Tensor t) {
        return torch.linalg_vector_norm(t, new Scalar(2.0), new LongArrayRefOptional(), false,
                new ScalarTypeOptional(ScalarType.Float)).div_(new Scalar(Math.sqrt(t.numel())));
    }

    /** L2 norms along {@code dim}, accumulated in fp32 whatever t's dtype. */
    static Tensor norm(Tensor t, long dim) {
        return torch.linalg_vector_norm(t, new Scalar(2.0), new long[] {dim}, false,
                new ScalarTypeOptional(ScalarType.Float));
    }
}
