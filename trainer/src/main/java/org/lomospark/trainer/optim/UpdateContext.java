package org.lomospark.trainer.optim;

/**
 * Per-step numbers an update needs, decided by the training loop before the step starts.
 *
 * <pre>{@code
 * var ctx = new UpdateContext(step, schedule.lr(step), 1 / scaler.scale(), clipCoef);
 * optimizer.update(name, param, grad, ctx);
 * }</pre>
 *
 * @param step 1-based step number (AdaLomo's and AdamW's step-dependent factors use it)
 * @param lr learning rate of this step
 * @param invLossScale 1 / the loss scale the gradients carry (1 without fp16 loss scaling)
 * @param clipCoef global-norm clipping coefficient {@code min(1, maxNorm / (norm + 1e-6))}, 1 when off
 */
public record UpdateContext(long step, double lr, double invLossScale, double clipCoef) {
    public UpdateContext {
        if (step < 1) {
            throw new IllegalArgumentException("UpdateContext.step is 1-based, got " + step);
        }
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("UpdateContext.lr must be finite and >= 0, got " + lr);
        }
        if (!(invLossScale > 0) || Double.isInfinite(invLossScale)) {
            throw new IllegalArgumentException("UpdateContext.invLossScale must be finite and > 0, got " + invLossScale);
        }
        if (!(clipCoef > 0 && clipCoef <= 1)) {
            throw new IllegalArgumentException("UpdateContext.clipCoef must be in (0, 1], got " + clipCoef);
        }
    }
}
