package org.lomospark.trainer.engine;

import java.util.List;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.model.LlamaModel;

/**
 * How the fused step gets each gradient while the others do not exist: the closed family of strategies.
 * Both are exact (they give the weights of a full backward followed by the update).
 */
public sealed interface Strategy permits BlockRecompute, HookBackward {

    /** Runs the forward for all micro-batches and returns the passes that can then be taken over it. */
    Passes forward(LlamaModel model, List<Batch> microBatches);

    /** Short name for logs and benchmark JSON. */
    String name();

    /** Whether several micro-batches can share one update (gradient accumulation). */
    boolean accumulates();

    /** Parses "block" / "hook"; {@code clock} (may be null) profiles the block strategy's phases. */
    static Strategy parse(String name, boolean offloadActivations, PhaseClock clock) {
        return switch (name) {
            case "block", "block-recompute" -> new BlockRecompute(offloadActivations, clock);
            case "hook" -> {
                if (offloadActivations) {
                    throw new IllegalArgumentException("offload_activations needs strategy block: strategy hook keeps "
                            + "autograd's own saved tensors on the device");
                }
                yield new HookBackward();
            }
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "' (choices: block, hook)");
        };
    }

    /** The backward passes over one forward; the last pass frees the forward's state. */
    interface Passes extends AutoCloseable {
        /**
         * One backward pass: every parameter's gradient goes to {@code sink} once. {@code lossWeight} multiplies
         * the summed token losses (loss scale / target tokens of the whole step).
         *
         * @param again true when another pass will follow over the same forward
         * @return the summed (unweighted) token loss as a number: a device-to-host sync point
         */
        double backward(GradSink sink, double lossWeight, boolean again);

        @Override
        void close();
    }
}
