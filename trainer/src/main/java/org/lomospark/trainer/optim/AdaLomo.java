package org.lomospark.trainer.optim;

import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.optim.StateTensors.Stat;
import org.lomospark.trainer.tensor.Tensors;

/**
 * AdaLomo: LOMO's fused step with an Adafactor-style second moment, grouped update normalization and a
 * step size relative to the parameter's RMS. In fp32, with {@code g = grad * invLossScale * clipCoef},
 * {@code beta2_t = 1 - step^decayRate} and {@code G = g^2 + eps1}:
 * <ul>
 *   <li>2-D weight (m, n): row stats {@code r = beta2_t*r + (1-beta2_t)*mean_cols(G)} (m values), column stats
 *       {@code c = beta2_t*c + (1-beta2_t)*mean_rows(G)} (n values), {@code u = g / sqrt(outer(r, c) / mean(r))};
 *   <li>any other shape: {@code v = beta2_t*v + (1-beta2_t)*G}, {@code u = g / sqrt(v)};
 * </ul>
 * then {@code u /= max(1, RMS(u) / clipThreshold)}, {@code lrEff = lr * max(eps2, RMS(p))} and
 * {@code p = p * (1 - lrEff * weightDecay) - lrEff * u}. State ("row"/"col" or "v") is fp32 on the parameter's
 * device, made at its first update.
 *
 * <pre>{@code
 * try (FusedOptimizer adalomo = AdaLomo.defaults(0.0)) {
 *     adalomo.update("layers.0.attn.wq.weight", param, grad, new UpdateContext(step, 1e-3, 1.0, 1.0));
 * }
 * }</pre>
 */
public final class AdaLomo implements FusedOptimizer {
    private final double weightDecay;
    private final double clipThreshold;
    private final double eps1;
    private final double eps2;
    private final double decayRate;
    private final StateTensors state = new StateTensors("row", "col", "v");

    /**
     * @param weightDecay decoupled weight decay, {@code >= 0}
     * @param clipThreshold RMS above which the update is scaled down (1.0 in the paper)
     * @param eps1 added to the squared gradient (1e-30)
     * @param eps2 floor of the parameter RMS in the relative step size (1e-3)
     * @param decayRate exponent of the second-moment decay {@code 1 - step^decayRate}, {@code < 0} (-0.8)
     */
    public AdaLomo(double weightDecay, double clipThreshold, double eps1, double eps2, double decayRate) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("AdaLomo weightDecay must be finite and >= 0, got " + weightDecay);
        }
        if (!(clipThreshold > 0)) {
            throw new IllegalArgumentException("AdaLomo clipThreshold must be > 0, got " + clipThreshold);
        }
        if (!(eps1 > 0)) {
            throw new IllegalArgumentException("AdaLomo eps1 must be > 0, got " + eps1);
        }
        if (!(eps2 >= 0)) {
            throw new IllegalArgumentException("AdaLomo eps2 must be >= 0, got " + eps2);
        }
        if (!(decayRate < 0)) {
            throw new IllegalArgumentException("AdaLomo decayRate must be < 0 so that beta2_t rises towards 1, got " + decayRate);
        }
        this.weightDecay = weightDecay;
        this.clipThreshold = clipThreshold;
        this.eps1 = eps1;
        this.eps2 = eps2;
        this.decayRate = decayRate;
    }

    /** The paper's settings: clipThreshold 1.0, eps1 1e-30, eps2 1e-3, decayRate -0.8. */
    public static AdaLomo defaults(double weightDecay) {
        return new AdaLomo(weightDecay, 1.0, 1e-30, 1e-3, -0.8);
    }

    @Override
    public void update(String name, Tensor param, Tensor grad, UpdateContext ctx) {
        Fp32.checkShape(name, param, grad);
        Scoped.run(() -> {
            double gradScale = ctx.invLossScale() * ctx.clipCoef();
            double beta2t = 1 - Math.pow(ctx.step(), decayRate);
            // u in fp32; the gradient is read in its own dtype and every product is promoted to fp32
            Tensor u = param.dim() == 2 ? factored(name, param, grad, gradScale, beta2t)
                    : full(name, param, grad, gradScale, beta2t);
            // relative step size from the parameter as it is before this update; all on the device, no reads back
            Tensor lrEff = Fp32.rms(param).clamp_min_(new Scalar(eps2)).mul_(new Scalar(ctx.lr()));
            // grouped update normalization folded into the step: lr_eff / max(1, RMS(u) / clip_threshold)
            Tensor step = lrEff.div(Fp32.rms(u).div_(new Scalar(clipThreshold)).clamp_min_(new Scalar(1.0)));
            if (weightDecay == 0) {
                // p - step * u in one pass: a bf16 parameter with an fp32 operand computes in fp32, rounds once
                param.addcmul_(u, step, new Scalar(-1.0));
            } else {
                // p (1 - lr_eff wd) - step u = p - (step u + lr_eff wd p)
                param.sub_(u.mul_(step).addcmul_(param, lrEff, new Scalar(weightDecay)));
            }
        });
    }

    /**
     * {@code u = g / sqrt(outer(r, c) / mean(r))} with the factored second moment, as a (m, 1) times a (1, n)
     * factor on the gradient: no (m, n) outer product and no fp32 copy of the gradient besides u itself.
     */
    private Tensor factored(String name, Tensor param, Tensor grad, double gradScale, double beta2t) {
        long m = param.size(0);
        long n = param.size(1);
        List<Tensor> stats = state.of(name, param, new Stat("row", m), new Stat("col", n));
        // mean of g^2 along a dim from fp32-accumulated vector norms: no (m, n) temporary for G
        double sq = gradScale * gradScale;
        Tensor rowMean = Fp32.norm(grad, 1).square_().mul_(new Scalar(sq / n)).add_(new Scalar(eps1)); // (m)
        Tensor colMean = Fp32.norm(grad, 0).square_().mul_(new Scalar(sq / m)).add_(new Scalar(eps1)); // (n)
        Tensor row = ema(stats.get(0), rowMean, beta2t);
        Tensor col = ema(stats.get(1), colMean, beta2t);
        Tensor rowFactor = row.div(row.mean()).rsqrt_().mul_(new Scalar(gradScale)).unsqueeze(1); // (m, 1)
        Tensor colFactor = col.rsqrt().unsqueeze(0); // (1, n)
        return torch.mul(grad, rowFactor).mul_(colFactor); // (m, n) fp32
    }

    private Tensor full(String name, Tensor param, Tensor grad, double gradScale, double beta2t) {
        Tensor g = Fp32.gradient(name, param, grad, gradScale);
        Tensor v = state.of(name, param, new Stat("v", Tensors.shape(param))).get(0);
        ema(v, g.square().add_(new Scalar(eps1)), beta2t);
        return g.div_(v.sqrt());
    }

    private static Tensor ema(Tensor stat, Tensor value, double beta2t) {
        return stat.mul_(new Scalar(beta2t)).add_(value, new Scalar(1 - beta2t));
    }

    @Override
    public Map<String, Tensor> state() {
        return state.copies();
    }

    @Override
    public void loadState(Map<String, Tensor> state) {
        this.state.load(state);
    }

    @Override
    public String name() {
        return "adalomo";
    }

    @Override
    public void close() {
        state.close();
    }
}
