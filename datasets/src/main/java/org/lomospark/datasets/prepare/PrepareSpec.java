package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * What a {@link PrepareStage} reads and writes, built with {@link #builder(String)}.
 *
 * <pre>
 * PrepareSpec spec = PrepareSpec.builder("s3a://data/prepared/v1")
 *         .superGlue("s3a://data/superglue", List.of(SuperGlueTask.BOOLQ), List.of(Split.TRAIN, Split.VAL))
 *         .instruct(new InstructInput("alpaca", "s3a://data/alpaca.json", InstructInput.Format.ALPACA))
 *         .tokenizer(TokenizerSpec.parse("s3a://models/llama-2-7b"))
 *         .maxLength(1024).sample(new Sampling(42, 1000, 1000)).pack(1024)
 *         .build();
 * </pre>
 *
 * @param input          a SuperGLUE-layout root ({@code <input>/<task dir>/<split>.jsonl}), any Hadoop path; null
 *                       when there are no tasks
 * @param output         the directory to create, any Hadoop path
 * @param instruct       instruction-data files; their rows are train rows
 * @param maxLength      the longest row in tokens: SuperGLUE passages are cut to fit, longer instruction
 *                       examples are quarantined
 * @param packLength     0, or the length instruction examples are packed into (several whole examples per row,
 *                       at most this many tokens); at most {@code maxLength}
 * @param evalBucket     eval rows record their length rounded up to a multiple of this ({@code padded_length}), the
 *                       shape an evaluator pads a batch of them to
 * @param maxBadFraction the largest share of bad lines (bad / all non-blank lines) the job accepts
 * @param force          replace an output that already has a manifest; without it such a run is a no-op
 * @param shards         the fewest {@link TrainShard} files to write (more than the train rows gives empty ones);
 *                       the job writes a multiple of it, enough for at most about 24M tokens a shard by an
 *                       estimate from the train input's size, so a shard never outgrows its task's memory; also
 *                       the number of eval parts
 * @param splitBytes     an uncompressed JSONL file is read by one task per this many bytes
 * @param maxLineBytes   a longer line is quarantined unread, so a broken file cannot exhaust a task's memory
 */
public record PrepareSpec(String input, String output, List<SuperGlueTask> tasks, List<Split> splits,
                          List<InstructInput> instruct, TokenizerSpec tokenizer, int maxLength, Sampling sampling,
                          int packLength, int evalBucket, double maxBadFraction, boolean force, int shards,
                          long splitBytes, int maxLineBytes)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Enough for a handful of data-parallel ranks on SuperGLUE sizes. */
    public static final int DEFAULT_SHARDS = 4;
    public static final int DEFAULT_MAX_LENGTH = 1024;
    public static final int DEFAULT_EVAL_BUCKET = 64;
    public static final double DEFAULT_MAX_BAD_FRACTION = 0.01;
    /** Hadoop's block size on local files: a 1 GB file is 32 tasks. */
    public static final long DEFAULT_SPLIT_BYTES = 32L << 20;
    /** Far above any sequence a model trains on (128k tokens are about 0.5 MB of text). */
    public static final int DEFAULT_MAX_LINE_BYTES = 8 << 20;

    public PrepareSpec {
        if (output == null || output.isBlank()) {
            throw new IllegalArgumentException("output must be set, got '" + output + "'");
        }
        tasks = List.copyOf(tasks);
        splits = List.copyOf(splits);
        instruct = List.copyOf(instruct);
        if (tasks.isEmpty() != splits.isEmpty()) {
            throw new IllegalArgumentException("SuperGLUE tasks " + tasks + " and splits " + splits
                    + " must both be given or both be empty");
        }
        if (!tasks.isEmpty() && (input == null || input.isBlank())) {
            throw new IllegalArgumentException("tasks " + tasks + " need an input root, got '" + input + "'");
        }
        if (tasks.isEmpty() && instruct.isEmpty()) {
            throw new IllegalArgumentException("no work: no SuperGLUE tasks and no instruction data");
        }
        if (instruct.stream().map(InstructInput::name).distinct().count() < instruct.size()) {
            throw new IllegalArgumentException("instruction data names repeat: " + instruct);
        }
        for (InstructInput i : instruct) {
            if (tasks.stream().anyMatch(t -> t.dirName().equals(i.name()))) {
                throw new IllegalArgumentException("instruction data name " + i.name() + " is a SuperGLUE task");
            }
        }
        if (maxLength < 8) {
            throw new IllegalArgumentException("maxLength " + maxLength + " must be at least 8");
        }
        if (packLength != 0 && (packLength < 8 || packLength > maxLength)) {
            throw new IllegalArgumentException("packLength " + packLength + " must be 0 (no packing) or in [8, "
                    + "maxLength " + maxLength + "]");
        }
        if (evalBucket < 1) {
            throw new IllegalArgumentException("evalBucket " + evalBucket + " must be at least 1");
        }
        if (!(maxBadFraction >= 0 && maxBadFraction <= 1)) {
            throw new IllegalArgumentException("maxBadFraction " + maxBadFraction + " not in [0, 1]");
        }
        if (shards < 1) {
            throw new IllegalArgumentException("shards " + shards + " must be at least 1");
        }
        if (splitBytes < 1 << 16) {
            throw new IllegalArgumentException("splitBytes " + splitBytes + " must be at least 65536");
        }
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes " + maxLineBytes + " must be at least 1");
        }
    }

    public static Builder builder(String output) {
        return new Builder(output);
    }

    /** The length instruction examples may have: the pack length when packing, else {@link #maxLength()}. */
    int instructLimit() {
        return packLength == 0 ? maxLength : packLength;
    }

    /**
     * Defaults: byte tokenizer, max length 1024, every record, no packing, buckets of 64, 1% bad, 4 shards, splits
     * of 32 MiB, lines of at most 8 MiB.
     */
    public static final class Builder {
        private final String output;
        private String input;
        private List<SuperGlueTask> tasks = List.of();
        private List<Split> splits = List.of();
        private final List<InstructInput> instruct = new ArrayList<>();
        private TokenizerSpec tokenizer = TokenizerSpec.BYTE;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private Sampling sampling = Sampling.ALL;
        private int packLength;
        private int evalBucket = DEFAULT_EVAL_BUCKET;
        private double maxBadFraction = DEFAULT_MAX_BAD_FRACTION;
        private boolean force;
        private int shards = DEFAULT_SHARDS;
        private long splitBytes = DEFAULT_SPLIT_BYTES;
        private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;

        private Builder(String output) {
            this.output = output;
        }

        public Builder superGlue(String root, List<SuperGlueTask> tasks, List<Split> splits) {
            this.input = root;
            this.tasks = tasks;
            this.splits = splits;
            return this;
        }

        public Builder instruct(InstructInput file) {
            instruct.add(file);
            return this;
        }

        public Builder tokenizer(TokenizerSpec tokenizer) {
            this.tokenizer = tokenizer;
            return this;
        }

        public Builder maxLength(int maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        public Builder sample(Sampling sampling) {
            this.sampling = sampling;
            return this;
        }

        public Builder pack(int packLength) {
            this.packLength = packLength;
            return this;
        }

        public Builder evalBucket(int evalBucket) {
            this.evalBucket = evalBucket;
            return this;
        }

        public Builder maxBadFraction(double maxBadFraction) {
            this.maxBadFraction = maxBadFraction;
            return this;
        }

        public Builder force(boolean force) {
            this.force = force;
            return this;
        }

        public Builder shards(int shards) {
            this.shards = shards;
            return this;
        }

        public Builder splitBytes(long splitBytes) {
            this.splitBytes = splitBytes;
            return this;
        }

        public Builder maxLineBytes(int maxLineBytes) {
            this.maxLineBytes = maxLineBytes;
            return this;
        }

        public PrepareSpec build() {
            return new PrepareSpec(input, output, tasks, splits, instruct, tokenizer, maxLength, sampling, packLength,
                    evalBucket, maxBadFraction, force, shards, splitBytes, maxLineBytes);
        }
    }
}
