package org.lomospark.datasets.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code manifest.json} of a prepared output: what went in, with which settings, what came out, and the tokenizer
 * that made it. Written last: its presence marks a complete output.
 *
 * <pre>
 * {"schema_version": 5, "tokenizer": "byte", "tokenizer_fingerprint": "byte-utf8-v1", "vocab_size": 259,
 *  "max_length": 1024, "pack_length": 0, "eval_bucket": 64, "sampling": {"seed": 42, "train": 1000, "eval": 1000},
 *  "lines": 70, "records": 66, "bad": 4, ...,
 *  "sources": [{"task": "BoolQ", "split": "train", "path": "file:/data/BoolQ/train.jsonl", "bytes": 5120, ...}],
 *  "eval_buckets": {"64": 20, "128": 40},
 *  "shards": [{"file": "shard-00000.arrow", "examples": 9, "tokens": 1420}, ...]}
 * </pre>
 *
 * @param tokenizer   {@code byte} or the tokenizer directory the job was given
 * @param lines       non-blank lines over all sources: records + bad + skipped
 * @param records     lines that gave rows
 * @param bad         quarantined lines
 * @param skipped     good lines the sampling left out
 * @param truncated   records whose passage was cut to fit {@code maxLength}
 * @param totalTokens tokens over all train and eval rows
 * @param longestRow  the longest row, in tokens
 * @param evalBuckets eval rows per padded length
 * @param shards      the {@link TrainShard} files under {@code shards/}, in shard order; their count is the size
 */
public record Manifest(int schemaVersion, String tokenizer, String tokenizerFingerprint, int vocabSize,
                       int maxLength, int packLength, int evalBucket, Sampling sampling, long lines, long records,
                       long bad, long skipped, long truncated, long trainRows, long evalRows, long totalTokens,
                       int longestRow, List<Source> sources, SortedMap<Integer, Long> evalBuckets,
                       List<Shard> shards) {
    /**
     * 2: trainer shards. 3: sampling, truncation, packing, eval buckets, instruction data. 4: eval rows carry
     * {@code question}, {@code label} and {@code gold_labels} (MultiRC and ReCoRD metrics). 5: shards assigned by
     * key and written by the executors (their number follows the data), sources say how they were read.
     */
    public static final int SCHEMA_VERSION = 5;
    public static final String FILE_NAME = "manifest.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public Manifest {
        sources = List.copyOf(sources);
        evalBuckets = Collections.unmodifiableSortedMap(new TreeMap<>(evalBuckets));
        shards = List.copyOf(shards);
    }

    /**
     * One input file and what it gave.
     *
     * @param task        the SuperGLUE task directory, or the instruction data's name
     * @param container   {@code jsonl}, {@code json_array} or {@code parquet}
     * @param compression {@code none}, {@code gzip}, {@code bzip2} or {@code zstd}
     * @param splittable  whether the file can be read by several tasks (only uncompressed JSONL can)
     * @param tasks       the tasks that read it: byte-range splits of JSONL; -1 for Parquet, which Spark's reader
     *                    splits by row group
     * @param rows        train rows for the train split (packed rows when packing), candidate rows otherwise
     */
    public record Source(String task, String split, String path, long bytes, String container, String compression,
                         boolean splittable, long tasks, long lines, long records, long bad, long skipped,
                         long truncated, long rows, long tokens, int longestRow) {}

    /** One trainer shard file and what it holds. */
    public record Shard(String file, long examples, long tokens) implements java.io.Serializable {}

    /**
     * The manifest of trainer shards that some other producer wrote with {@link TrainShardWriter#writeShard}
     * (the Spark ML fine-tuner's DataFrame rows): the same shard list the trainer reads from a prepare output, with
     * train counts only.
     */
    public static Manifest ofShards(String tokenizer, org.lomospark.datasets.tokenize.Tokenizer t, int maxLength,
                                    int longestRow, List<Shard> shards) {
        long rows = shards.stream().mapToLong(Shard::examples).sum();
        long tokens = shards.stream().mapToLong(Shard::tokens).sum();
        return new Manifest(SCHEMA_VERSION, tokenizer, t.fingerprint(), t.vocabSize(), maxLength, 0, 1,
                Sampling.ALL, rows, rows, 0, 0, 0, rows, 0, tokens, longestRow, List.of(), new TreeMap<>(), shards);
    }

    /** The shard files, in shard order, under the output directory {@code root}. */
    public List<Path> shardPaths(Path root) {
        return shards.stream().map(s -> new Path(new Path(root, TrainShard.DIR), s.file())).toList();
    }

    /** Reads a manifest this code can use; refuses (IllegalArgumentException) naming the file another version. */
    public static Manifest read(FileSystem fs, Path file) throws IOException {
        Manifest m;
        try (InputStream in = fs.open(file)) {
            m = JSON.readValue(in, Manifest.class);
        }
        if (m.schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException(file + ": schema_version " + m.schemaVersion + ", this code reads "
                    + SCHEMA_VERSION + ": prepare the data again with this version");
        }
        return m;
    }

    /** Writes {@code file}, which must not exist yet. */
    public void write(FileSystem fs, Path file) throws IOException {
        try (OutputStream out = fs.create(file, false)) {
            JSON.writeValue(out, this);
        }
    }
}
