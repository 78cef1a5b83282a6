package org.lomospark.trainer.engine;

import org.bytedeco.pytorch.Tensor;

/**
 * Receives each parameter's complete gradient exactly once per backward pass. The gradient is only valid
 * during the call and the sink may overwrite it: the pass frees it right after, because nothing reads it again.
 */
@FunctionalInterface
interface GradSink {
    void accept(String name, Tensor param, Tensor grad);
}
