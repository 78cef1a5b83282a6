package org.lomospark.trainer.optim;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Dynamic loss scaling for fp16: the loss is multiplied by {@link #scale()} so small gradients survive fp16;
 * a step whose gradients overflowed is skipped and the scale halved, and after {@code window} clean steps in a
 * row the scale grows again (the LOMO reference only ever lowers it). bf16 needs no scaler. Plain Java state,
 * not thread-safe.
 *
 * <pre>{@code
 * var scaler = new DynamicLossScaler(65536, 2, 1000, 1);
 * // backward of loss * scaler.scale(), checking each gradient with hasInfOrNan, then:
 * if (scaler.update(overflow)) {
 *     // apply the step with invLossScale = 1 / the scale used for this backward
 * }
 * }</pre>
 */
public final class DynamicLossScaler {
    private final double factor;
    private final int window;
    private final double minScale;
    private double scale;
    private int cleanSteps;

    /** What a checkpoint needs to resume scaling where it stopped. */
    public record State(double scale, int cleanSteps) {
        public State {
            if (!(scale > 0) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("DynamicLossScaler.State.scale must be finite and > 0, got " + scale);
            }
            if (cleanSteps < 0) {
                throw new IllegalArgumentException("DynamicLossScaler.State.cleanSteps must be >= 0, got " + cleanSteps);
            }
        }
    }

    /**
     * @param initScale starting scale (2^16 in the LOMO paper)
     * @param factor divides the scale on overflow and multiplies it after a clean window, {@code > 1} (2)
     * @param window clean steps in a row before the scale grows, {@code >= 1} (1000)
     * @param minScale the scale never drops below this, {@code > 0} and {@code <= initScale} (1)
     */
    public DynamicLossScaler(double initScale, double factor, int window, double minScale) {
        if (!(factor > 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("DynamicLossScaler factor must be finite and > 1, got " + factor);
        }
        if (window < 1) {
            throw new IllegalArgumentException("DynamicLossScaler window must be >= 1, got " + window);
        }
        if (!(minScale > 0)) {
            throw new IllegalArgumentException("DynamicLossScaler minScale must be > 0, got " + minScale);
        }
        if (!(initScale >= minScale) || Double.isInfinite(initScale)) {
            throw new IllegalArgumentException("DynamicLossScaler initScale = " + initScale
                    + " must be finite and >= minScale = " + minScale);
        }
        this.factor = factor;
        this.window = window;
        this.minScale = minScale;
        this.scale = initScale;
    }

    /** The factor to multiply this step's loss by. */
    public double scale() {
        return scale;
    }

    /**
     * Records one step. On overflow the scale is divided by {@code factor} (not below {@code minScale}), the clean
     * count restarts and the answer is false: skip the step. Otherwise the step counts as clean, every
     * {@code window} clean steps in a row multiply the scale by {@code factor}, and the answer is true.
     */
    public boolean update(boolean overflow) {
        if (overflow) {
            scale = Math.max(minScale, scale / factor);
            cleanSteps = 0;
            return false;
        }
        cleanSteps++;
        if (cleanSteps == window) {
            scale *= factor;
            cleanSteps = 0;
        }
        return true;
    }

    public State state() {
        return new State(scale, cleanSteps);
    }

    /** Resumes from a saved state; it must fit this scaler's {@code minScale} and {@code window}. */
    public void restore(State s) {
        if (s.scale() < minScale) {
            throw new IllegalArgumentException("DynamicLossScaler state scale = " + s.scale()
                    + " is below minScale = " + minScale);
        }
        if (s.cleanSteps() >= window) {
            throw new IllegalArgumentException("DynamicLossScaler state cleanSteps = " + s.cleanSteps()
                    + " must be below window = " + window);
        }
        scale = s.scale();
        cleanSteps = s.cleanSteps();
    }

    /** True when any element of {@code t} is inf or NaN. Reads one boolean back: a CPU-GPU sync point. */
    public static boolean hasInfOrNan(Tensor t) {
        return Scoped.call(() -> !torch.isfinite(t).all().item().toBool());
    }
}
