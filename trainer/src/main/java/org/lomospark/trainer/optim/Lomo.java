package org.lomospark.trainer.optim;

import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.tensor.Tensors;

/**
 * LOMO: plain SGD fused into the backward pass, no optimizer state. In fp32, whatever the parameter's dtype:
 * {@code g = grad * invLossScale}, clamped to {@code [-clipValue, clipValue]} when clipping by value,
 * times {@code clipCoef}; then {@code p = p * (1 - lr * weightDecay) - lr * g}.
 *
 * <pre>{@code
 * try (FusedOptimizer lomo = new Lomo(0.0, 0.0)) {
 *     lomo.update("layers.0.mlp.up.weight", param, grad, new UpdateContext(step, 3e-2, 1.0, 1.0));
 * }
 * }</pre>
 */
public final class Lomo implements FusedOptimizer {
    private final double weightDecay;
    private final double clipValue;

    /**
     * @param weightDecay decoupled weight decay, {@code >= 0}
     * @param clipValue clamp each gradient element to this magnitude; {@code <= 0} turns clipping by value off
     */
    public Lomo(double weightDecay, double clipValue) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("Lomo weightDecay must be finite and >= 0, got " + weightDecay);
        }
        if (Double.isNaN(clipValue)) {
            throw new IllegalArgumentException("Lomo clipValue must be a number (<= 0 turns it off), got NaN");
        }
        this.weightDecay = weightDecay;
        this.clipValue = clipValue;
    }

    @Override
    public void update(String name, Tensor param, Tensor grad, UpdateContext ctx) {
        Fp32.checkShape(name, param, grad);
        if (param.is_cuda() && weightDecay == 0 && clipValue <= 0 && Tensors.dtype(grad) == Tensors.dtype(param)) {
            // One pass instead of four: libtorch's CUDA add kernel computes bf16/f16 in fp32 (its opmath type,
            // alpha included) and rounds once, the same math as the path below. Not on the CPU: its reduced-
            // precision add rounds alpha to the tensor's dtype first (seen: a 2-ulp error for lr 0.035 in bf16).
            Scoped.run(() -> param.add_(grad, new Scalar(-ctx.lr() * ctx.invLossScale() * ctx.clipCoef())));
            return;
        }
        Scoped.run(() -> {
            Tensor g = Fp32.gradient(name, param, grad, ctx.invLossScale());
            if (clipValue > 0) {
                g.clamp_(new ScalarOptional(new Scalar(-clipValue)), new ScalarOptional(new Scalar(clipValue)));
            }
            Tensor p32 = Fp32.workingCopy(param);
            if (weightDecay != 0) {
                p32.mul_(new Scalar(1 - ctx.lr() * weightDecay));
            }
            // clipCoef joins the step size: the same product as scaling g, one pass over g fewer
            p32.sub_(g, new Scalar(ctx.lr() * ctx.clipCoef()));
            Fp32.writeBack(p32, param);
        });
    }

    /** LOMO keeps no state: always empty. */
    @Override
    public Map<String, Tensor> state() {
        return Map.of();
    }

    /** Accepts only the empty state that {@link #state()} writes. */
    @Override
    public void loadState(Map<String, Tensor> state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException("unknown optimizer state key " + state.keySet().iterator().next()
                    + ": lomo keeps no state");
        }
    }

    @Override
    public String name() {
        return "lomo";
    }

    /** Nothing to free. */
    @Override
    public void close() {}
}
