package org.lomospark.trainer.engine;

import java.util.List;
import org.lomospark.trainer.data.Batch;

/** One optimizer step over the micro-batches of a global batch: the unit the training loop and benchmarks drive. */
public interface TrainStep {

    /**
     * @param step 1-based step number (AdaLomo and AdamW use it)
     * @param lr the learning rate for this step (from the schedule)
     */
    StepResult step(List<Batch> microBatches, long step, double lr);

    /** The loss scale the next step will use (1 without a scaler); saved with the training state. */
    double lossScale();

    /** Short description for logs and benchmark JSON: strategy. */
    String strategy();

    /** Short description for logs and benchmark JSON: optimizer. */
    String optimizer();

    static long targetTokens(List<Batch> microBatches) {
        long n = 0;
        for (Batch b : microBatches) {
            n += b.targetTokens();
        }
        if (n == 0) {
            throw new IllegalArgumentException("the step's micro-batches have no target tokens: nothing to learn from");
        }
        return n;
    }
}
