package org.lomospark.datasets.prepare;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.lomospark.datasets.prompt.TrainingExample;

/**
 * Writes one {@link TrainShard} file: rows are appended one at a time straight into Arrow vectors (off-heap, the
 * token ids one contiguous int32 buffer), and {@link #finish()} writes them as the file's one record batch through
 * the Hadoop FileSystem ({@code s3a://} included). Memory is the shard's tokens; a prepare job keeps that bounded
 * by choosing enough shards ({@link PrepareStage}).
 *
 * <p>In a prepare job every train partition writes its own shard on the executor. Any other producer of
 * already-rendered examples (the Spark ML fine-tuner's DataFrame of prompts and answers) writes each shard in a
 * task of its own with {@link #writeShard}:
 * <pre>
 * Manifest.Shard entry = TrainShardWriter.writeShard(fs, new Path(out, TrainShard.DIR), shard, examples);
 * </pre>
 */
public final class TrainShardWriter implements Closeable {
    /** The most tokens a shard's buffers are first sized for: 64M, 320 MB. */
    static final int MAX_INITIAL_TOKENS = 1 << 26;
    private final FileSystem fs;
    private final Path file;
    private final BufferAllocator allocator = new RootAllocator();
    private final VectorSchemaRoot root = VectorSchemaRoot.create(TrainShard.SCHEMA, allocator);
    private final VarCharVector task = (VarCharVector) root.getVector("task");
    private final VarCharVector id = (VarCharVector) root.getVector("id");
    private final ListVector tokens = (ListVector) root.getVector("tokens");
    private final ListVector lossMask = (ListVector) root.getVector("loss_mask");
    private final IntVector tokenData = (IntVector) tokens.getDataVector();
    private final TinyIntVector maskData = (TinyIntVector) lossMask.getDataVector();
    private int rows;
    private long at;
    private ByteBuffer scratch = ByteBuffer.allocate(1 << 12).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] bits = new byte[1 << 10];
    /** The rows' segment starts, for the train Parquet part only (a shard has no segments column). */
    private int[] segmentStarts = new int[1 << 10];
    private int[] segmentValues = new int[1 << 10];

    /** A shard to be written at {@code file} (replaced if there, as a retried task must). */
    TrainShardWriter(FileSystem fs, Path file) {
        this(fs, file, 0);
    }

    /**
     * With room for about {@code expectedTokens} from the start (capped at {@link #MAX_INITIAL_TOKENS}): Arrow
     * zeroes a buffer when it allocates it and copies it when it doubles it, so a buffer sized once costs one pass.
     */
    TrainShardWriter(FileSystem fs, Path file, long expectedTokens) {
        this.fs = fs;
        this.file = file;
        int initial = (int) Math.min(Math.max(expectedTokens, 0), MAX_INITIAL_TOKENS);
        if (initial > 0) {
            tokenData.setInitialCapacity(initial);
            maskData.setInitialCapacity(initial);
        }
        // real buffers from the start: a vector never written to keeps the allocation manager's one shared empty
        // buffer, whose indices writing sets, so two tasks writing empty shards in one JVM raced on it
        root.allocateNew();
    }

    void add(String taskName, String exampleId, int[] t, boolean[] m) {
        add(taskName, exampleId, t, m, Packing.ONE_SEGMENT);
    }

    /** A row whose examples (more than one when packed) start at {@code segments}. */
    void add(String taskName, String exampleId, int[] t, boolean[] m, int[] segments) {
        if (at + t.length > Integer.MAX_VALUE) {
            throw new IllegalStateException(file + ": over 2^31 tokens in one shard; prepare with more shards");
        }
        task.setSafe(rows, taskName.getBytes(StandardCharsets.UTF_8));
        id.setSafe(rows, exampleId.getBytes(StandardCharsets.UTF_8));
        tokens.startNewValue(rows);
        lossMask.startNewValue(rows);
        int base = (int) at;
        int end = base + t.length;
        while (tokenData.getValueCapacity() < end) {
            tokenData.reAlloc();
        }
        while (maskData.getValueCapacity() < end) {
            maskData.reAlloc();
        }
        // whole arrays at a time, not a checked set per token: the values, then their validity bits in finish()
        if (scratch.capacity() < t.length * Integer.BYTES) {
            scratch = ByteBuffer.allocate(Math.max(t.length * Integer.BYTES, 2 * scratch.capacity()))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        scratch.clear();
        scratch.asIntBuffer().put(t);
        tokenData.getDataBuffer().setBytes((long) base * Integer.BYTES, scratch.array(), 0,
                (long) t.length * Integer.BYTES);
        if (bits.length < m.length) {
            bits = new byte[Math.max(m.length, 2 * bits.length)];
        }
        for (int j = 0; j < m.length; j++) {
            bits[j] = (byte) (m[j] ? 1 : 0);
        }
        maskData.getDataBuffer().setBytes(base, bits, 0, m.length);
        tokens.endValue(rows, t.length);
        lossMask.endValue(rows, m.length);
        int from = segmentStarts[rows];
        if (segmentStarts.length < rows + 2) {
            segmentStarts = Arrays.copyOf(segmentStarts, 2 * segmentStarts.length);
        }
        if (segmentValues.length < from + segments.length) {
            segmentValues = Arrays.copyOf(segmentValues, Math.max(from + segments.length, 2 * segmentValues.length));
        }
        System.arraycopy(segments, 0, segmentValues, from, segments.length);
        segmentStarts[rows + 1] = from + segments.length;
        at = end;
        rows++;
    }

    /** Writes the file; returns its manifest entry. */
    Manifest.Shard finish() throws IOException {
        // every token and mask value is set: their validity bits are all ones
        markValid(tokenData.getValidityBuffer(), at);
        markValid(maskData.getValidityBuffer(), at);
        root.setRowCount(rows);
        try (OutputStream stream = fs.create(file, true);
             ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(stream))) {
            writer.start();
            writer.writeBatch();
            writer.end();
        }
        return new Manifest.Shard(file.getName(), rows, at);
    }

    /**
     * Writes the same rows as train Parquet ({@link TrainParquet}), read from this writer's Arrow memory; with
     * {@link #finish()}, before or after it, the part and the shard of one partition.
     */
    void writeParquet(OutputFile file, CompressionCodecName codec, Configuration conf) throws IOException {
        TrainParquet.write(parquetRows(), file, codec, conf);
    }

    /** The rows added so far, as views of this writer's memory: valid until the next add or close. */
    TrainParquet.Rows parquetRows() {
        return new TrainParquet.Rows(rows, new TrainParquet.Utf8(task.getOffsetBuffer(), task.getDataBuffer()),
                new TrainParquet.Utf8(id.getOffsetBuffer(), id.getDataBuffer()),
                tokens.getOffsetBuffer(), tokenData.getDataBuffer(), maskData.getDataBuffer(),
                segmentStarts, segmentValues);
    }

    private static void markValid(ArrowBuf validity, long values) {
        long whole = values / 8;
        validity.setOne(0, whole);
        for (long v = whole * 8; v < values; v++) {
            BitVectorHelper.setBit(validity, v);
        }
    }

    @Override
    public void close() {
        try {
            root.close();
        } finally {
            allocator.close();
        }
    }

    /**
     * Writes shard {@code shard} ({@code shard-NNNNN.arrow} under {@code dir}) from {@code examples} in their
     * order, replacing one a failed attempt left; returns its manifest entry. A Spark task writes its shard so.
     */
    public static Manifest.Shard writeShard(FileSystem fs, Path dir, int shard, Iterator<TrainingExample> examples)
            throws IOException {
        try (TrainShardWriter w = new TrainShardWriter(fs, new Path(dir, TrainShard.fileName(shard)))) {
            while (examples.hasNext()) {
                TrainingExample e = examples.next();
                w.add(e.task(), e.id(), e.tokens(), e.lossMask());
            }
            return w.finish();
        }
    }
}
