package org.lomospark.trainer.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Rotary position embedding in Hugging Face's "rotate half" layout: dimension i pairs with i + head_dim/2.
 * Frequencies follow rope_theta, with the {@code llama3} long-context rescaling when the config asks for it.
 */
final class RotaryEmbedding {
    private final float[] inverseFrequencies;

    RotaryEmbedding(LlamaConfig config) {
        this.inverseFrequencies = inverseFrequencies(config);
    }

    /** inv_freq[i] = theta^(-2i/d), then llama3 scaling: long wavelengths slowed by factor, a smooth ramp between. */
    static float[] inverseFrequencies(LlamaConfig c) {
        int half = c.headDim() / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            double f = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
            LlamaConfig.RopeScaling s = c.ropeScaling();
            if (s != null) {
                double wavelength = 2 * Math.PI / f;
                double lowFreqWavelength = s.originalMaxPositions() / s.lowFreqFactor();
                double highFreqWavelength = s.originalMaxPositions() / s.highFreqFactor();
                if (wavelength > lowFreqWavelength) {
                    f = f / s.factor();
                } else if (wavelength >= highFreqWavelength) {
                    double smooth = (s.originalMaxPositions() / wavelength - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    f = (1 - smooth) * f / s.factor() + smooth * f;
                }
            }
            inv[i] = (float) f;
        }
        return inv;
    }

    /** cos and sin tables, each (T, head_dim), computed in fp32 and cast to the weights' dtype. */
    Tensor[] tables(long seqLen, Placement at) {
        Tensor positions = torch.arange(new Scalar(0), new Scalar(seqLen), at.options(ScalarType.Float)); // (T)
        Tensor inv = Tensors.fromFloats(inverseFrequencies, inverseFrequencies.length).to(at.torchDevice(), ScalarType.Float);
        Tensor freqs = torch.outer(positions, inv); // (T, hs/2)
        Tensor angles = torch.cat(new TensorVector(freqs, freqs), -1); // (T, hs)
        return new Tensor[] {angles.cos().to(at.dtype()), angles.sin().to(at.dtype())};
    }

    /** x * cos + rotate_half(x) * sin for x of shape (B, nh, T, hs). */
    static Tensor apply(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(-1) / 2;
        Tensor first = x.narrow(-1, 0, half);
        Tensor second = x.narrow(-1, half, half);
        Tensor rotated = torch.cat(new TensorVector(second.neg(), first), -1); // (-x2, x1)
        return x.mul(cos).add(rotated.mul(sin));
    }
}
