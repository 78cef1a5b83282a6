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

    /**
     * The cos table and a signed sin table, each (T, head_dim), computed in fp32 and cast to the weights' dtype.
     * The sin table's first half is negated so that rotate_half(x) * sin == roll(x, head_dim / 2) * signed sin.
     */
    Tensor[] tables(long seqLen, Placement at) {
        Tensor positions = torch.arange(new Scalar(0), new Scalar(seqLen), at.options(ScalarType.Float)); // (T)
        Tensor inv = Tensors.fromFloats(inverseFrequencies, inverseFrequencies.length).to(at.torchDevice(), ScalarType.Float);
        Tensor freqs = torch.outer(positions, inv); // (T, hs/2)
        Tensor sin = freqs.sin();
        Tensor cos = freqs.cos();
        return new Tensor[] {torch.cat(new TensorVector(cos, cos), -1).to(at.dtype()),
            torch.cat(new TensorVector(sin.neg(), sin), -1).to(at.dtype())};
    }

    /**
     * The rows of a (S, hs) table at position ids (B, T), as (B, 1, T, hs): one angle per row and position,
     * broadcast over the heads by {@link #apply}. Decoding gathers them from one table made by {@link #tables}, the
     * training forward's own code, once for all its steps.
     */
    static Tensor rows(Tensor table, Tensor positions) {
        return torch.embedding(table, positions).unsqueeze(1); // (B, T, hs) -> (B, 1, T, hs)
    }

    /**
     * x * cos + rotate_half(x) * sin for x of shape (B, nh, T, hs) and tables (T, hs) or (B, 1, T, hs), with
     * rotate_half(x) = (-x2, x1) written as a roll by half a head times the signed sin: three kernels (and three in
     * the backward) instead of five.
     */
    static Tensor apply(Tensor x, Tensor cos, Tensor signedSin) {
        Tensor rolled = torch.roll(x, new long[] {x.size(-1) / 2}, new long[] {-1}); // (x2, x1)
        return torch.addcmul(x.mul(cos), rolled, signedSin);
    }
}
