package org.lomospark.trainer.optim;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A conventional optimizer for comparison with the fused ones: a full backward pass stores every gradient
 * first, then one step updates all parameters.
 *
 * <pre>{@code
 * try (BaselineOptimizer adamw = new AdamW(0.9, 0.999, 1e-8, 0.0)) {
 *     loss.backward();            // every parameter's grad() is set now
 *     adamw.step(params, ctx);    // params: name -> parameter; the step frees no gradient
 * }
 * }</pre>
 */
public sealed interface BaselineOptimizer extends AutoCloseable permits Sgd, AdamW {

    /**
     * One step over every parameter whose {@code grad()} is defined, using that gradient. The math runs in fp32
     * whatever the parameter's dtype; gradients are neither modified nor freed.
     */
    void step(Map<String, Tensor> params, UpdateContext ctx);

    /** "sgd" or "adamw". */
    String name();

    /** Frees the state tensors. */
    @Override
    void close();
}
