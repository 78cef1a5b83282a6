package org.lomospark.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
class AdaLomoTest {
    private static final int M = 4;
    private static final int N = 6;
    private static final double WEIGHT_DECAY = 0.1;

    private static AdaLomo adaLomo() {
        return new AdaLomo(WEIGHT_DECAY, 1.0, 1e-30, 1e-3, -0.8);
    }

    private static UpdateContext ctx(long step) {
        return new UpdateContext(step, 0.01, 0.5, 0.8);
    }

    /** The formulas of the notes in plain Java doubles, one tensor at a time; parameters stay fp32 between steps. */
    private static final class Reference {
        double[] row;
        double[] col;
        double[] v;

        void factored(float[] p, float[] grad, UpdateContext ctx) {
            double[] g = scaled(grad, ctx);
            double beta2t = 1 - Math.pow(ctx.step(), -0.8);
            if (row == null) {
                row = new double[M];
                col = new double[N];
            }
            for (int i = 0; i < M; i++) {
                double mean = 0;
                for (int j = 0; j < N; j++) {
                    mean += (g[i * N + j] * g[i * N + j] + 1e-30) / N;
                }
                row[i] = beta2t * row[i] + (1 - beta2t) * mean;
            }
            for (int j = 0; j < N; j++) {
                double mean = 0;
                for (int i = 0; i < M; i++) {
                    mean += (g[i * N + j] * g[i * N + j] + 1e-30) / M;
                }
                col[j] = beta2t * col[j] + (1 - beta2t) * mean;
            }
            double rowMean = 0;
            for (double r : row) {
                rowMean += r / M;
            }
            double[] u = new double[M * N];
            for (int i = 0; i < M; i++) {
                for (int j = 0; j < N; j++) {
                    u[i * N + j] = g[i * N + j] / Math.sqrt(row[i] * col[j] / rowMean);
                }
            }
            apply(p, u, ctx);
        }

        void full(float[] p, float[] grad, UpdateContext ctx) {
            double[] g = scaled(grad, ctx);
            double beta2t = 1 - Math.pow(ctx.step(), -0.8);
            if (v == null) {
                v = new double[p.length];
            }
            double[] u = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                v[i] = beta2t * v[i] + (1 - beta2t) * (g[i] * g[i] + 1e-30);
                u[i] = g[i] / Math.sqrt(v[i]);
            }
            apply(p, u, ctx);
        }

        private static double[] scaled(float[] grad, UpdateContext ctx) {
            double[] g = new double[grad.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = grad[i] * ctx.invLossScale() * ctx.clipCoef();
            }
            return g;
        }

        private static void apply(float[] p, double[] u, UpdateContext ctx) {
            double normalizer = Math.max(1, rms(u) / 1.0);
            double[] asDouble = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                asDouble[i] = p[i];
            }
            double lrEff = ctx.lr() * Math.max(1e-3, rms(asDouble));
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (p[i] * (1 - lrEff * WEIGHT_DECAY) - lrEff * u[i] / normalizer);
            }
        }

        private static double rms(double[] x) {
            double sum = 0;
            for (double e : x) {
                sum += e * e;
            }
            return Math.sqrt(sum / x.length);
        }
    }

    @Test
    void threeStepsMatchThePlainFormulasForA2dAndA1dWeight() {
        Random random = new Random(3);
        float[] w = TestData.awayFromZero(random, M * N, 1.0);
        float[] b = TestData.awayFromZero(random, N, 1e-4);   // RMS under eps2: the relative step size floors
        Reference reference = new Reference();
        Reference referenceB = new Reference();
        try (PointerScope scope = new PointerScope(); AdaLomo adaLomo = adaLomo()) {
            Tensor wt = Tensors.fromFloats(w, M, N);
            Tensor bt = Tensors.fromFloats(b, N);
            for (long step = 1; step <= 3; step++) {
                float[] gw = TestData.gaussian(random, M * N, 2.0);
                float[] gb = TestData.gaussian(random, N, 2.0);
                adaLomo.update("w", wt, Tensors.fromFloats(gw, M, N), ctx(step));
                adaLomo.update("b", bt, Tensors.fromFloats(gb, N), ctx(step));
                reference.factored(w, gw, ctx(step));
                referenceB.full(b, gb, ctx(step));

                TestData.assertRelativelyClose(w, Tensors.toFloats(wt), 1e-5, "w after step " + step);
                TestData.assertRelativelyClose(b, Tensors.toFloats(bt), 1e-5, "b after step " + step);
            }
            Map<String, Tensor> state = adaLomo.state();
            assertEquals(List.of("w.row", "w.col", "b.v"), List.copyOf(state.keySet()));
            TestData.assertRelativelyClose(floats(reference.row), Tensors.toFloats(state.get("w.row")), 1e-5, "w.row");
            TestData.assertRelativelyClose(floats(reference.col), Tensors.toFloats(state.get("w.col")), 1e-5, "w.col");
            TestData.assertRelativelyClose(floats(referenceB.v), Tensors.toFloats(state.get("b.v")), 1e-5, "b.v");
            TestData.closeAll(state);
        }
    }

    @Test
    void resumingFromSavedStateContinuesBitForBit() {
        Random random = new Random(4);
        float[] w = TestData.gaussian(random, M * N, 1.0);
        float[] b = TestData.gaussian(random, N, 1.0);
        try (PointerScope scope = new PointerScope(); AdaLomo original = adaLomo(); AdaLomo resumed = adaLomo()) {
            Tensor w1 = Tensors.fromFloats(w, M, N);
            Tensor b1 = Tensors.fromFloats(b, N);
            for (long step = 1; step <= 2; step++) {
                original.update("w", w1, Tensors.fromFloats(TestData.gaussian(random, M * N, 1.0), M, N), ctx(step));
                original.update("b", b1, Tensors.fromFloats(TestData.gaussian(random, N, 1.0), N), ctx(step));
            }
            Map<String, Tensor> saved = original.state();
            resumed.loadState(saved);
            TestData.closeAll(saved);
            Tensor w2 = w1.clone();
            Tensor b2 = b1.clone();
            Tensor gw = Tensors.fromFloats(TestData.gaussian(random, M * N, 1.0), M, N);
            Tensor gb = Tensors.fromFloats(TestData.gaussian(random, N, 1.0), N);

            // clones: an fp32 gradient is the optimizer's to overwrite
            original.update("w", w1, gw.clone(), ctx(3));
            original.update("b", b1, gb.clone(), ctx(3));
            resumed.update("w", w2, gw, ctx(3));
            resumed.update("b", b2, gb, ctx(3));

            assertArrayEquals(Tensors.toFloats(w1), Tensors.toFloats(w2));
            assertArrayEquals(Tensors.toFloats(b1), Tensors.toFloats(b2));
        }
    }

    @Test
    void loadStateNamesUnknownMissingAndMisshapenKeys() {
        try (PointerScope scope = new PointerScope(); AdaLomo used = adaLomo(); AdaLomo fresh = adaLomo()) {
            used.update("w", Tensors.fromFloats(new float[M * N], M, N),
                    Tensors.fromFloats(TestData.gaussian(new Random(5), M * N, 1.0), M, N), ctx(1));
            Map<String, Tensor> saved = used.state();

            Map<String, Tensor> unknown = new LinkedHashMap<>(saved);
            unknown.put("w.bogus", Tensors.fromFloats(new float[M], M));
            TestData.assertFailsNaming(() -> fresh.loadState(unknown), "w.bogus");

            Map<String, Tensor> missing = new LinkedHashMap<>(saved);
            missing.remove("w.col");
            TestData.assertFailsNaming(() -> used.loadState(missing), "w.col");

            Map<String, Tensor> misshapen = new LinkedHashMap<>(saved);
            misshapen.put("w.row", Tensors.fromFloats(new float[M + 1], M + 1));
            TestData.assertFailsNaming(() -> used.loadState(misshapen), "w.row");

            // a fresh optimizer cannot know the parameters yet: the first update checks the loaded shapes
            fresh.loadState(misshapen);
            TestData.assertFailsNaming(() -> fresh.update("w", Tensors.fromFloats(new float[M * N], M, N),
                    Tensors.fromFloats(new float[M * N], M, N), ctx(2)), "w.row");
            TestData.closeAll(saved);
        }
    }

    @Test
    void rejectsAPositiveDecayRate() {
        TestData.assertFailsNaming(() -> new AdaLomo(0.0, 1.0, 1e-30, 1e-3, 0.8), "decayRate");
    }

    private static float[] floats(double[] xs) {
        float[] out = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = (float) xs[i];
        }
        return out;
    }
}
