package org.lomospark.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.tensor.Tensors;

@SuppressWarnings("try") // a PointerScope frees the test's tensors by being open
class SgdTest {

    @Test
    void subtractsLrTimesTheScaledGradientAndSkipsParamsWithoutOne() {
        Random random = new Random(7);
        float[] p = TestData.gaussian(random, 10, 1.0);
        float[] grad = TestData.gaussian(random, 10, 1.0);
        float[] untouched = TestData.gaussian(random, 3, 1.0);
        UpdateContext ctx = new UpdateContext(1, 0.01, 0.25, 0.9);
        try (PointerScope scope = new PointerScope(); Sgd sgd = new Sgd(0.0)) {
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("p", Tensors.fromFloats(p, 10));
            params.put("frozen", Tensors.fromFloats(untouched, 3));
            TestData.setGrad(params.get("p"), Tensors.fromFloats(grad, 10));
            sgd.step(params, ctx);

            float[] expected = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                expected[i] = (float) (p[i] - ctx.lr() * grad[i] * ctx.invLossScale() * ctx.clipCoef());
            }
            TestData.assertRelativelyClose(expected, Tensors.toFloats(params.get("p")), 1e-6, "p");
            assertArrayEquals(untouched, Tensors.toFloats(params.get("frozen")));
        }
    }
}
