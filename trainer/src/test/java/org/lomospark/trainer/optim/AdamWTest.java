package org.lomospark.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.tensor.Tensors;

@SuppressWarnings("try") // a PointerScope frees the test's tensors by being open
class AdamWTest {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.99;
    private static final double EPS = 1e-8;
    private static final double WEIGHT_DECAY = 0.1;

    private static UpdateContext ctx(long step) {
        return new UpdateContext(step, 0.01, 0.25, 0.9);
    }

    /** PyTorch's AdamW for one tensor in plain Java doubles; the parameter stays fp32 between steps. */
    private static final class AdamWReference {
        final double[] m;
        final double[] v;

        AdamWReference(int n) {
            m = new double[n];
            v = new double[n];
        }

        void step(float[] p, float[] grad, UpdateContext ctx) {
            double bias1 = 1 - Math.pow(BETA1, ctx.step());
            double bias2 = 1 - Math.pow(BETA2, ctx.step());
            for (int i = 0; i < p.length; i++) {
                double g = grad[i] * ctx.invLossScale() * ctx.clipCoef();
                m[i] = BETA1 * m[i] + (1 - BETA1) * g;
                v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
                double decayed = p[i] * (1 - ctx.lr() * WEIGHT_DECAY);
                p[i] = (float) (decayed - ctx.lr() * (m[i] / bias1) / (Math.sqrt(v[i] / bias2) + EPS));
            }
        }
    }

    @Test
    void adamWMatchesAPlainLoopOverThreeStepsWithBiasCorrection() {
        Random random = new Random(6);
        float[] w = TestData.awayFromZero(random, 12, 1.0);
        float[] b = TestData.awayFromZero(random, 4, 1.0);
        AdamWReference refW = new AdamWReference(w.length);
        AdamWReference refB = new AdamWReference(b.length);
        try (PointerScope scope = new PointerScope(); AdamW adamW = new AdamW(BETA1, BETA2, EPS, WEIGHT_DECAY)) {
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("w", Tensors.fromFloats(w, 3, 4));
            params.put("b", Tensors.fromFloats(b, 4));
            for (long step = 1; step <= 3; step++) {
                float[] gw = TestData.gaussian(random, w.length, 4.0);
                float[] gb = TestData.gaussian(random, b.length, 4.0);
                TestData.setGrad(params.get("w"), Tensors.fromFloats(gw, 3, 4));
                TestData.setGrad(params.get("b"), Tensors.fromFloats(gb, 4));
                adamW.step(params, ctx(step));
                refW.step(w, gw, ctx(step));
                refB.step(b, gb, ctx(step));

                TestData.assertRelativelyClose(w, Tensors.toFloats(params.get("w")), 1e-5, "w after step " + step);
                TestData.assertRelativelyClose(b, Tensors.toFloats(params.get("b")), 1e-5, "b after step " + step);
            }
            Map<String, Tensor> state = adamW.state();
            assertEquals(List.of("w.exp_avg", "w.exp_avg_sq", "b.exp_avg", "b.exp_avg_sq"), List.copyOf(state.keySet()));
            TestData.closeAll(state);
        }
    }
}
