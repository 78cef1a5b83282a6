package org.lomospark.trainer.optim;

import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.optim.StateTensors.Stat;
import org.lomospark.trainer.tensor.Tensors;

/**
 * AdamW as PyTorch defines it, in fp32 with fp32 moments: {@code g = grad * invLossScale * clipCoef},
 * {@code p *= 1 - lr * weightDecay}, {@code m = beta1*m + (1-beta1)*g}, {@code v = beta2*v + (1-beta2)*g^2},
 * {@code p -= lr / (1 - beta1^step) * m / (sqrt(v / (1 - beta2^step)) + eps)}. The bias correction uses
 * {@code ctx.step()}, so every parameter is expected to take part in every step. State keys are
 * {@code "<param name>.exp_avg"} and {@code "<param name>.exp_avg_sq"}.
 *
 * <pre>{@code
 * try (AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.01)) {
 *     adamw.step(params, new UpdateContext(step, 1e-5, 1.0, 1.0));
 *     Map<String, Tensor> checkpoint = adamw.state();
 * }
 * }</pre>
 */
public final class AdamW implements BaselineOptimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final StateTensors state = new StateTensors("exp_avg", "exp_avg_sq");

    /**
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param eps added to the denominator, {@code > 0}
     * @param weightDecay decoupled weight decay, {@code >= 0}
     */
    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("AdamW beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("AdamW eps must be > 0, got " + eps);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("AdamW weightDecay must be finite and >= 0, got " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Map<String, Tensor> params, UpdateContext ctx) {
        double stepSize = ctx.lr() / (1 - Math.pow(beta1, ctx.step()));
        double sqrtBias2 = Math.sqrt(1 - Math.pow(beta2, ctx.step()));
        params.forEach((name, param) -> Scoped.run(() -> {
            Tensor grad = param.grad();
            if (!grad.defined()) {
                return;
            }
            Tensor g = Fp32.gradient(name, param, grad, ctx.invLossScale() * ctx.clipCoef());
            long[] shape = Tensors.shape(param);
            List<Tensor> moments = state.of(name, param, new Stat("exp_avg", shape), new Stat("exp_avg_sq", shape));
            Tensor m = moments.get(0).mul_(new Scalar(beta1)).add_(g, new Scalar(1 - beta1));
            Tensor v = moments.get(1).mul_(new Scalar(beta2)).addcmul_(g, g, new Scalar(1 - beta2));
            Tensor p32 = Fp32.workingCopy(param);
            if (weightDecay != 0) {
                p32.mul_(new Scalar(1 - ctx.lr() * weightDecay));
            }
            p32.addcdiv_(m, v.sqrt().div_(new Scalar(sqrtBias2)).add_(new Scalar(eps)), new Scalar(-stepSize));
            Fp32.writeBack(p32, param);
        }));
    }

    /** Copies of the moments as CPU fp32 tensors; the caller closes them. */
    public Map<String, Tensor> state() {
        return state.copies();
    }

    /**
     * Replaces the moments with copies of what {@link #state()} wrote.
     *
     * @throws IllegalArgumentException naming the key, for an unknown or missing key or a wrong shape
     */
    public void loadState(Map<String, Tensor> state) {
        this.state.load(state);
    }

    @Override
    public String name() {
        return "adamw";
    }

    @Override
    public void close() {
        state.close();
    }
}
