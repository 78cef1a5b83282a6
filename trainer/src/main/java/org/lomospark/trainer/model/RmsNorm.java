package org.lomospark.trainer.model;

import java.util.Map;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * RMSNorm, {@code w * x / sqrt(mean(x^2) + eps)}, through libtorch's fused kernel: it accumulates in fp32 whatever
 * the input dtype, in one pass instead of the eight elementwise kernels a hand-written fp32 version launches.
 */
final class RmsNorm {
    final Tensor weight;
    private final double eps;

    RmsNorm(Tensor weight, double eps) {
        this.weight = weight;
        this.eps = eps;
    }

    Tensor forward(Tensor x) {
        return torch.rms_norm(x, new long[] {x.size(-1)}, new TensorOptional(weight), new DoubleOptional(eps));
    }

    void collect(String name, Map<String, Tensor> out) {
        out.put(name, weight);
    }
}
