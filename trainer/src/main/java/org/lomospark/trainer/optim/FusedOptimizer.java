package org.lomospark.trainer.optim;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * An update rule applied to one parameter the moment its gradient exists (LOMO's fused step), so the
 * gradient can be freed right after and only about one gradient is alive at any time.
 *
 * <pre>{@code
 * try (FusedOptimizer opt = AdaLomo.defaults(0.0)) {
 *     // in the post-accumulate hook of each parameter:
 *     opt.update(name, param, param.grad(), ctx);
 *     param.mutable_grad().reset();   // the optimizer keeps no reference to the gradient
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one backward pass calls it for one parameter at a time.
 */
public sealed interface FusedOptimizer extends AutoCloseable permits Lomo, AdaLomo {

    /**
     * Updates {@code param} in place (f32, bf16 or f16, any device) from {@code grad} (same shape, any float
     * dtype). The math runs in fp32 and is cast back once. {@code grad} is not kept, and may be overwritten
     * (an fp32 gradient is scaled in place): the caller frees it right after.
     */
    void update(String name, Tensor param, Tensor grad, UpdateContext ctx);

    /** Copies of the optimizer state as CPU fp32 tensors keyed {@code "<param name>.<stat>"}; the caller closes them. */
    Map<String, Tensor> state();

    /**
     * Replaces the state with copies of what {@link #state()} wrote.
     *
     * @throws IllegalArgumentException naming the key, for an unknown or missing key or a wrong shape
     */
    void loadState(Map<String, Tensor> state);

    /** "lomo" or "adalomo". */
    String name();

    /** Frees the state tensors. */
    @Override
    void close();
}
