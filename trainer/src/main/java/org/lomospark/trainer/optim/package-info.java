/**
 * Update rules and what drives them. {@link org.lomospark.trainer.optim.FusedOptimizer} rules (LOMO, AdaLomo)
 * update one parameter as soon as its gradient exists; {@link org.lomospark.trainer.optim.BaselineOptimizer}
 * rules (SGD, AdamW) step after a full backward pass, for comparison. Every rule computes in fp32 whatever the
 * parameter's dtype and keeps fp32 state. {@link org.lomospark.trainer.optim.LrSchedule} gives the learning
 * rate and {@link org.lomospark.trainer.optim.DynamicLossScaler} the fp16 loss scale of each step; both feed
 * an {@link org.lomospark.trainer.optim.UpdateContext}.
 *
 * <pre>{@code
 * var ctx = new UpdateContext(step, schedule.lr(step), 1 / scale, clipCoef);
 * adaLomo.update(name, param, param.grad(), ctx);
 * }</pre>
 */
package org.lomospark.trainer.optim;
