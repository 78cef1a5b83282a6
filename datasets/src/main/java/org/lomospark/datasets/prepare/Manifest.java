package org.lomospark.datasets.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code manifest.json} of a prepared output: what went in, what came out, and the tokenizer that made it.
 * Its presence marks a complete output.
 *
 * <pre>
 * {"schema_version": 2, "tokenizer_fingerprint": "byte-utf8-v1", "records": 66, "bad": 0, ...,
 *  "sources": [{"task": "BoolQ", "split": "train", "path": "file:/data/BoolQ/train.jsonl", "bytes": 5120, ...}],
 *  "shards": [{"file": "shard-00000.arrow", "examples": 9, "tokens": 1420}, ...]}
 * </pre>
 *
 * @param records     good lines over all sources; each gave its rows
 * @param bad         quarantined lines over all sources
 * @param totalTokens tokens over all train and eval rows
 * @param maxLength   the longest row, in tokens
 * @param shards      the {@link TrainShard} files under {@code shards/}, in shard order; their count is the size
 */
public record Manifest(int schemaVersion, String tokenizerFingerprint, int vocabSize, long records, long bad,
                       long trainRows, long evalRows, long totalTokens, int maxLength, List<Source> sources,
                       List<Shard> shards) {
    /** 2: trainer shards. */
    public static final int SCHEMA_VERSION = 2;
    static final String FILE_NAME = "manifest.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public Manifest {
        sources = List.copyOf(sources);
        shards = List.copyOf(shards);
    }

    /**
     * One input file and what it gave.
     *
     * @param rows train rows for the train split, candidate rows otherwise
     */
    public record Source(String task, String split, String path, long bytes, long records, long bad, long rows,
                         long tokens, int maxLength) {}

    /** One trainer shard file and what it holds. */
    public record Shard(String file, long examples, long tokens) {}

    Manifest withShards(List<Shard> written) {
        return new Manifest(schemaVersion, tokenizerFingerprint, vocabSize, records, bad, trainRows, evalRows,
                totalTokens, maxLength, sources, written);
    }

    static Manifest read(FileSystem fs, Path file) throws IOException {
        Manifest m;
        try (InputStream in = fs.open(file)) {
            m = JSON.readValue(in, Manifest.class);
        }
        if (m.schemaVersion != SCHEMA_VERSION) {
            throw new IOException(file + ": schema_version " + m.schemaVersion + ", this code reads "
                    + SCHEMA_VERSION);
        }
        return m;
    }

    void write(FileSystem fs, Path file) throws IOException {
        try (OutputStream out = fs.create(file, false)) {
            JSON.writeValue(out, this);
        }
    }
}
