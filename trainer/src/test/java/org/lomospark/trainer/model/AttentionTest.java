package org.lomospark.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/** RoPE and attention against naive loop implementations written here from the definitions. */
class AttentionTest {
    private static final Placement F32 = Placement.cpu(ScalarType.Float);

    @Test
    void rotaryEmbeddingRotatesEachPairByPositionTimesFrequency() {
        LlamaConfig c = LlamaConfig.builder(10, 16, 32, 1, 2, 2).maxPositions(64).build();
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            int t = 5;
            int hs = 8;
            Tensor x = torch.randn(1, 1, t, hs);
            Tensor[] cs = new RotaryEmbedding(c).tables(t, F32);
            float[] got = Tensors.toFloats(RotaryEmbedding.apply(x, cs[0], cs[1]));
            float[] in = Tensors.toFloats(x);
            for (int pos = 0; pos < t; pos++) {
                for (int i = 0; i < hs / 2; i++) {
                    double angle = pos * Math.pow(10000, -2.0 * i / hs);
                    double a = in[pos * hs + i];
                    double b = in[pos * hs + i + hs / 2];
                    assertEquals(a * Math.cos(angle) - b * Math.sin(angle), got[pos * hs + i], 1e-5);
                    assertEquals(b * Math.cos(angle) + a * Math.sin(angle), got[pos * hs + i + hs / 2], 1e-5);
                }
            }
        }
    }

    @Test
    void llama3ScalingSlowsLongWavelengthsAndKeepsShortOnes() {
        LlamaConfig c = LlamaConfig.builder(10, 2048, 32, 1, 16, 8).rmsNormEps(1e-5).ropeTheta(500000)
                .ropeScaling(new LlamaConfig.RopeScaling(8, 1, 4, 8192)).maxPositions(131072).build();
        float[] inv = RotaryEmbedding.inverseFrequencies(c);
        for (int i = 0; i < inv.length; i++) {
            double base = Math.pow(500000, -2.0 * i / 128);
            double wavelength = 2 * Math.PI / base;
            if (wavelength < 8192 / 4.0) {
                assertEquals(base, inv[i], base * 1e-6, "high frequency " + i + " unchanged");
            } else if (wavelength > 8192 / 1.0) {
                assertEquals(base / 8, inv[i], base * 1e-6, "low frequency " + i + " divided by factor");
            } else {
                assertTrue(inv[i] < base && inv[i] > base / 8, "medium frequency " + i + " interpolated");
            }
        }
    }

    @Test
    void groupedQueryAttentionMatchesNaiveSoftmaxAttention() {
        // 4 query heads share 2 kv heads; right-padded second row; q/k/v biases.
        LlamaConfig c = LlamaConfig.builder(10, 16, 32, 1, 4, 2).maxPositions(64).attentionBias(true).build();
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard();
                LlamaModel m = LlamaModel.create(c, F32, 5)) {
            int b = 2;
            int t = 6;
            Tensor x = torch.randn(b, t, 16);
            Tensor valid = Tensors.fromLongs(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, b, t);
            ForwardContext ctx = m.context(t, valid);
            Attention attn = attention(m);
            float[] got = Tensors.toFloats(attn.forward(x, ctx));
            float[] want = naive(c, attn, x, new boolean[][] {{true, true, true, true, true, true},
                    {true, true, true, true, false, false}});
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], 1e-5, "element " + i);
            }
        }
    }

    private static Attention attention(LlamaModel m) {
        var p = m.blocks().get(0).parameters();
        return new Attention(m.config(), p.get("model.layers.0.self_attn.q_proj.weight"),
                p.get("model.layers.0.self_attn.k_proj.weight"), p.get("model.layers.0.self_attn.v_proj.weight"),
                p.get("model.layers.0.self_attn.o_proj.weight"), p.get("model.layers.0.self_attn.q_proj.bias"),
                p.get("model.layers.0.self_attn.k_proj.bias"), p.get("model.layers.0.self_attn.v_proj.bias"));
    }

    /** Attention by loops: project, rotate, per (row, head, query) softmax over allowed keys, mix values, project. */
    private static float[] naive(LlamaConfig c, Attention a, Tensor xT, boolean[][] valid) {
        int b = (int) xT.size(0);
        int t = (int) xT.size(1);
        int d = c.hiddenSize();
        int nh = c.numHeads();
        int hs = c.headDim();
        float[] x = Tensors.toFloats(xT);
        double[][][][] q = project(x, Tensors.toFloats(a.wq), Tensors.toFloats(a.bq), b, t, d, nh, hs);
        double[][][][] k = project(x, Tensors.toFloats(a.wk), Tensors.toFloats(a.bk), b, t, d, c.numKvHeads(), hs);
        double[][][][] v = project(x, Tensors.toFloats(a.wv), Tensors.toFloats(a.bv), b, t, d, c.numKvHeads(), hs);
        rotate(q, c.ropeTheta());
        rotate(k, c.ropeTheta());
        double[] mixed = new double[b * t * nh * hs];
        for (int r = 0; r < b; r++) {
            for (int h = 0; h < nh; h++) {
                int kvh = h / (nh / c.numKvHeads());
                for (int i = 0; i < t; i++) {
                    double[] w = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        boolean allowed = j == i || (j < i && valid[r][j]);
                        w[j] = allowed ? dot(q[r][i][h], k[r][j][kvh]) / Math.sqrt(hs) : Double.NEGATIVE_INFINITY;
                        max = Math.max(max, w[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < t; j++) {
                        w[j] = Math.exp(w[j] - max);
                        z += w[j];
                    }
                    for (int e = 0; e < hs; e++) {
                        double sum = 0;
                        for (int j = 0; j < t; j++) {
                            sum += w[j] / z * v[r][j][kvh][e];
                        }
                        mixed[((r * t + i) * nh + h) * hs + e] = sum;
                    }
                }
            }
        }
        float[] wo = Tensors.toFloats(a.wo);
        float[] out = new float[b * t * d];
        for (int row = 0; row < b * t; row++) {
            for (int o = 0; o < d; o++) {
                double sum = 0;
                for (int i = 0; i < nh * hs; i++) {
                    sum += wo[o * nh * hs + i] * mixed[row * nh * hs + i];
                }
                out[row * d + o] = (float) sum;
            }
        }
        return out;
    }

    private static double[][][][] project(float[] x, float[] w, float[] bias, int b, int t, int d, int heads, int hs) {
        double[][][][] out = new double[b][t][heads][hs];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                for (int o = 0; o < heads * hs; o++) {
                    double sum = bias[o];
                    for (int e = 0; e < d; e++) {
                        sum += w[o * d + e] * x[(r * t + i) * d + e];
                    }
                    out[r][i][o / hs][o % hs] = sum;
                }
            }
        }
        return out;
    }

    /** Rotates pair (e, e + hs/2) of every head at position i by i * theta^(-2e/hs). */
    private static void rotate(double[][][][] x, double theta) {
        for (double[][][] row : x) {
            for (int i = 0; i < row.length; i++) {
                for (double[] head : row[i]) {
                    int half = head.length / 2;
                    for (int e = 0; e < half; e++) {
                        double angle = i * Math.pow(theta, -2.0 * e / head.length);
                        double a = head[e];
                        double b = head[e + half];
                        head[e] = a * Math.cos(angle) - b * Math.sin(angle);
                        head[e + half] = b * Math.cos(angle) + a * Math.sin(angle);
                    }
                }
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
