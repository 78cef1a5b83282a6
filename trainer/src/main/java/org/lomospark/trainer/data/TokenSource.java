package org.lomospark.trainer.data;

/**
 * Training batches addressed by position: batch {@code i} is always the same tokens, so the data position saved in
 * a checkpoint is just the index of the next batch, and a resumed run reads exactly what an uninterrupted one
 * would have.
 */
public interface TokenSource {

    /** The batch at {@code index} (0-based), on the CPU; the caller closes it. */
    Batch batch(long index);

    /** Description for logs. */
    String describe();
}
