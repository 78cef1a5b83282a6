package org.lomospark.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.tensor.Tensors;

@SuppressWarnings("try") // a PointerScope frees the test's tensors by being open
class LomoTest {
    private static final double LR = 0.05;
    private static final double WEIGHT_DECAY = 0.1;
    private static final double CLIP_VALUE = 0.5;
    private static final UpdateContext CTX = new UpdateContext(7, LR, 0.125, 0.7);

    /** The LOMO formula element by element, in fp32. */
    private static float[] reference(float[] p, float[] grad, double weightDecay, double clipValue, UpdateContext ctx) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            float g = grad[i] * (float) ctx.invLossScale();
            if (clipValue > 0) {
                g = Math.max(-(float) clipValue, Math.min((float) clipValue, g));
            }
            g *= (float) ctx.clipCoef();
            out[i] = p[i] * (float) (1 - ctx.lr() * weightDecay) - (float) ctx.lr() * g;
        }
        return out;
    }

    @Test
    void fp32UpdateEqualsTheFormulaWithDecayClipLossScaleAndClipCoef() {
        Random random = new Random(1);
        float[] p = TestData.gaussian(random, 48, 1.0);
        float[] grad = TestData.gaussian(random, 48, 8.0);   // scaled by 8: some clamp at 0.5 after invLossScale
        try (PointerScope scope = new PointerScope(); Lomo lomo = new Lomo(WEIGHT_DECAY, CLIP_VALUE)) {
            Tensor param = Tensors.fromFloats(p, 6, 8);
            Tensor g = Tensors.fromFloats(grad, 6, 8);
            lomo.update("w", param, g, CTX);

            TestData.assertRelativelyClose(reference(p, grad, WEIGHT_DECAY, CLIP_VALUE, CTX), Tensors.toFloats(param), 1e-6, "param");
        }
    }

    @Test
    void bf16ParamGetsFp32MathRoundedOnceNotBf16Math() {
        // p = 1, lr * wd = lr * g = 0.0015: each step alone is under half a bf16 ulp at 1 (2^-9), together they are not
        float[] chosen = {1f, 1f, 1f, -2f};
        float[] chosenGrad = {1f, 1f, -1f, 2f};
        Random random = new Random(2);
        float[] p = concat(chosen, TestData.gaussian(random, 28, 1.0));
        float[] grad = concat(chosenGrad, TestData.gaussian(random, 28, 1.0));
        UpdateContext ctx = new UpdateContext(1, 0.0015, 1.0, 1.0);
        try (PointerScope scope = new PointerScope(); Lomo lomo = new Lomo(1.0, 0.0)) {
            Tensor param = Tensors.fromFloats(p, 32).to(ScalarType.BFloat16);
            Tensor g = Tensors.fromFloats(grad, 32).to(ScalarType.BFloat16);
            float[] p16 = Tensors.toFloats(param);
            float[] g16 = Tensors.toFloats(g);

            lomo.update("w", param, g, ctx);

            float[] actual = Tensors.toFloats(param);
            float[] fp32ThenRound = roundAll(reference(p16, g16, 1.0, 0.0, ctx));
            float[] bf16Math = new float[p16.length];
            for (int i = 0; i < p16.length; i++) {
                float decayed = bf16(p16[i] * (float) (1 - ctx.lr()));
                bf16Math[i] = bf16(decayed - (float) ctx.lr() * g16[i]);
            }
            assertArrayEquals(fp32ThenRound, actual);
            assertFalse(Arrays.equals(bf16Math, actual), "bf16 arithmetic rounds the chosen updates away");
        }
    }

    @Test
    void keepsNoStateAndRejectsAnyLoadedKey() {
        try (PointerScope scope = new PointerScope(); Lomo lomo = new Lomo(0.0, 0.0)) {
            assertTrue(lomo.state().isEmpty());
            Tensor t = Tensors.fromFloats(new float[] {1f}, 1);
            TestData.assertFailsNaming(() -> lomo.loadState(Map.of("w.v", t)), "w.v");
        }
    }

    @Test
    void rejectsNegativeWeightDecayAndMismatchedGradientShape() {
        TestData.assertFailsNaming(() -> new Lomo(-0.1, 0.0), "weightDecay");
        try (PointerScope scope = new PointerScope(); Lomo lomo = new Lomo(0.0, 0.0)) {
            Tensor param = Tensors.fromFloats(new float[6], 2, 3);
            Tensor grad = Tensors.fromFloats(new float[3], 1, 3);
            TestData.assertFailsNaming(() -> lomo.update("w", param, grad, CTX), "gradient of w", "[1, 3]", "[2, 3]");
        }
    }

    /** Rounds to the nearest bfloat16 (ties to even), as a float. */
    private static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(rounded);
    }

    private static float[] roundAll(float[] xs) {
        float[] out = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = bf16(xs[i]);
        }
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
