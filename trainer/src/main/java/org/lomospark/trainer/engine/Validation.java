package org.lomospark.trainer.engine;

import org.lomospark.trainer.model.LlamaModel;

/**
 * A held-out loss the training loop measures every {@link #every()} steps and at its last step, after the step's
 * update; it goes into the step's metrics line as {@code val_loss}. On several ranks every rank calls it at the same
 * step (it may take collectives), and all return the same number.
 */
public interface Validation {
    /** Steps between measurements, at least 1. */
    int every();

    /** The mean token loss of the held-out data under the model's current weights (no gradients). */
    double loss(LlamaModel model);
}
