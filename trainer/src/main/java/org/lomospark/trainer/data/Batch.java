package org.lomospark.trainer.data;

import org.bytedeco.pytorch.Tensor;

/**
 * One micro-batch on the CPU: token ids (B, T) int64, next-token targets (B, T) int64 with
 * {@code LmHead.IGNORE_INDEX} where no loss is taken, and an optional (B, T) padding mask (null = no padding).
 * {@code targetTokens} is counted once on the CPU when the batch is made, so the step can normalize the loss
 * without reading anything back from the device.
 */
public record Batch(Tensor inputIds, Tensor targets, Tensor attentionMask, long targetTokens) implements AutoCloseable {

    public long size() {
        return inputIds.size(0);
    }

    public long seqLen() {
        return inputIds.size(1);
    }

    @Override
    public void close() {
        inputIds.close();
        targets.close();
        if (attentionMask != null) {
            attentionMask.close();
        }
    }
}
