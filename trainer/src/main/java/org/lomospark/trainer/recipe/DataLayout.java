package org.lomospark.trainer.recipe;

import java.io.Serializable;

/**
 * What the steps read: the data and the shape of a micro-batch.
 *
 * @param source a prepare job's output (the pipeline), or {@code synthetic} / a file of int32 token ids (the
 *               standalone trainer)
 * @param batch rows per micro-batch on each data-parallel rank
 * @param seq tokens per row (the pipeline takes the prepared data's longest row)
 */
public record DataLayout(String source, int batch, int seq) implements Serializable {
    public DataLayout {
        Settings.require(source != null && !source.isBlank(), "data", source, "a path or synthetic");
        Settings.require(batch >= 1, "batch", batch, "at least 1");
        Settings.require(seq >= 2, "seq", seq, "at least 2 (an input and its next token)");
    }
}
