package org.lomospark.trainer.optim;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Plain SGD with decoupled weight decay, in fp32: {@code g = grad * invLossScale * clipCoef},
 * {@code p = p * (1 - lr * weightDecay) - lr * g}. The same rule as {@link Lomo} without clipping by value,
 * applied after a full backward pass instead of inside it.
 *
 * <pre>{@code
 * try (BaselineOptimizer sgd = new Sgd(0.0)) {
 *     sgd.step(params, new UpdateContext(step, 1e-2, 1.0, 1.0));
 * }
 * }</pre>
 */
public final class Sgd implements BaselineOptimizer {
    private final Lomo rule;

    /** @param weightDecay decoupled weight decay, {@code >= 0} */
    public Sgd(double weightDecay) {
        this.rule = new Lomo(weightDecay, 0.0);
    }

    @Override
    public void step(Map<String, Tensor> params, UpdateContext ctx) {
        params.forEach((name, param) -> Scoped.run(() -> {
            Tensor grad = param.grad();
            if (grad.defined()) {
                rule.update(name, param, grad, ctx);
            }
        }));
    }

    @Override
    public String name() {
        return "sgd";
    }

    /** Nothing to free. */
    @Override
    public void close() {}
}
