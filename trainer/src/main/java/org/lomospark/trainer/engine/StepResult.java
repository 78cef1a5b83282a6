package org.lomospark.trainer.engine;

/**
 * What one optimizer step did.
 *
 * @param loss mean cross-entropy over the step's target tokens (before the update)
 * @param skipped true when an fp16 overflow made the step a no-op
 * @param gradNorm global L2 norm of the unscaled gradient, NaN when no pass computed it
 * @param lossScale the loss scale used for this step (1 without a scaler)
 */
public record StepResult(double loss, boolean skipped, double gradNorm, double lossScale, long tokens) {}
