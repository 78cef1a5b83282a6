package org.lomospark.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.function.Executable;

/** Inputs and comparisons shared by the optimizer tests. */
final class TestData {
    private TestData() {}

    /** Values of magnitude in [0.5, 1.5) * scale with random signs: none near zero, so relative checks are fair. */
    static float[] awayFromZero(Random random, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) ((random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble()) * scale);
        }
        return out;
    }

    static float[] gaussian(Random random, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * scale);
        }
        return out;
    }

    static void assertRelativelyClose(float[] expected, float[] actual, double tolerance, String what) {
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual[i] - expected[i]);
            int at = i;
            assertTrue(error <= tolerance * Math.abs(expected[i]),
                    () -> what + "[" + at + "]: expected " + expected[at] + ", got " + actual[at]);
        }
    }

    /** Asserts that action throws IllegalArgumentException with every word in its message. */
    static void assertFailsNaming(Executable action, String... words) {
        var e = assertThrows(IllegalArgumentException.class, action);
        for (String word : words) {
            assertTrue(e.getMessage().contains(word), e.getMessage());
        }
    }

    /** Makes {@code grad} the parameter's {@code grad()}, as a backward pass would. */
    static void setGrad(Tensor param, Tensor grad) {
        param.mutable_grad().put(grad);
    }

    static void closeAll(Map<String, Tensor> tensors) {
        tensors.values().forEach(Tensor::close);
    }
}
