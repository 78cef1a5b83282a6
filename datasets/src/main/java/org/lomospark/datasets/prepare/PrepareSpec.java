package org.lomospark.datasets.prepare;

import java.util.List;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * What a {@link PrepareJob} reads and writes.
 *
 * <pre>
 * new PrepareSpec("s3a://data/superglue", "s3a://data/prepared/v1", List.of(SuperGlueTask.BOOLQ),
 *         List.of(Split.TRAIN, Split.VAL), TokenizerKind.BYTE, 0.05, false);
 * </pre>
 *
 * @param input          a SuperGLUE-layout root ({@code <input>/<task dir>/<split>.jsonl}), any Hadoop path
 * @param output         the directory to create, any Hadoop path
 * @param maxBadFraction the largest share of bad lines (bad / all non-blank lines) the job accepts
 * @param force          replace an output that already has a manifest; without it such a run is a no-op
 * @param shards         how many {@link TrainShard} files to write; more than the train rows gives empty ones
 */
public record PrepareSpec(String input, String output, List<SuperGlueTask> tasks, List<Split> splits,
                          TokenizerKind tokenizer, double maxBadFraction, boolean force, int shards) {
    /** Enough for a handful of data-parallel ranks on SuperGLUE sizes. */
    public static final int DEFAULT_SHARDS = 4;

    public PrepareSpec {
        if (input == null || input.isBlank() || output == null || output.isBlank()) {
            throw new IllegalArgumentException("input and output must be set, got '" + input + "' and '"
                    + output + "'");
        }
        if (tasks.isEmpty() || splits.isEmpty()) {
            throw new IllegalArgumentException("no work: tasks " + tasks + ", splits " + splits);
        }
        if (!(maxBadFraction >= 0 && maxBadFraction <= 1)) {
            throw new IllegalArgumentException("maxBadFraction " + maxBadFraction + " not in [0, 1]");
        }
        if (shards < 1) {
            throw new IllegalArgumentException("shards " + shards + " must be at least 1");
        }
        tasks = List.copyOf(tasks);
        splits = List.copyOf(splits);
    }

    /** With {@link #DEFAULT_SHARDS} trainer shards. */
    public PrepareSpec(String input, String output, List<SuperGlueTask> tasks, List<Split> splits,
                       TokenizerKind tokenizer, double maxBadFraction, boolean force) {
        this(input, output, tasks, splits, tokenizer, maxBadFraction, force, DEFAULT_SHARDS);
    }
}
