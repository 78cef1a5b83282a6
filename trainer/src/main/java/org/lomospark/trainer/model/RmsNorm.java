package org.lomospark.trainer.model;

import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.tensor.Tensors;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/** RMSNorm as Hugging Face LLaMA computes it: normalize in fp32, cast back, then scale by the weight. */
final class RmsNorm {
    final Tensor weight;
    private final double eps;

    RmsNorm(Tensor weight, double eps) {
        this.weight = weight;
        this.eps = eps;
    }

    Tensor forward(Tensor x) {
        ScalarType dtype = Tensors.dtype(x);
        Tensor x32 = x.to(ScalarType.Float);
        Tensor variance = x32.square().mean(new long[] {-1}, true, new ScalarTypeOptional());
        Tensor normed = x32.mul(variance.add(new Scalar(eps)).rsqrt()); // x / sqrt(mean(x^2) + eps)
        return weight.mul(normed.to(dtype));
    }

    void collect(String name, Map<String, Tensor> out) {
        out.put(name, weight);
    }
}
