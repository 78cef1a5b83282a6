package org.lomospark.datasets.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.BaseRepeatedValueVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One trainer shard of a prepared output, {@code shards/shard-NNNNN.arrow}, read into Arrow memory.
 *
 * <p>Layout: an Arrow IPC file with exactly one record batch, one row per training example, in (task, id) order:
 * <pre>
 * task      utf8
 * id        utf8
 * tokens    list&lt;int32&gt;   offsets (int32, examples + 1) + one contiguous int32 buffer of every token id
 * loss_mask list&lt;int8&gt;    the same offsets; 1 where the token is in the loss, else 0
 * </pre>
 * One batch keeps all of a shard's tokens in one buffer, so {@link #tokenData()} hands the trainer the token ids
 * without a per-token copy; {@link #start(int)} and {@link #length(int)} locate an example inside it.
 *
 * <pre>
 * try (TrainShard shard = TrainShard.open(fs, new Path(prepared, "shards/shard-00000.arrow"))) {
 *     IntBuffer all = shard.tokenData();
 *     int[] first = shard.tokens(0);
 * }
 * </pre>
 *
 * <p>Everything the shard hands out as a buffer lives in Arrow memory and is valid until {@link #close()};
 * any use after that throws {@link IllegalStateException}.
 */
public final class TrainShard implements AutoCloseable {
    /** The folder of a prepared output that holds the shards. */
    public static final String DIR = "shards";
    static final Schema SCHEMA = new Schema(List.of(
            new Field("task", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
            new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
            list("tokens", new ArrowType.Int(32, true)),
            list("loss_mask", new ArrowType.Int(8, true))));

    private final String name;
    private final BufferAllocator allocator;
    private final ArrowFileReader reader;
    private final VectorSchemaRoot root;
    private final VarCharVector task;
    private final VarCharVector id;
    private final ListVector tokens;
    private final ListVector lossMask;
    private boolean closed;

    private TrainShard(String name, BufferAllocator allocator, ArrowFileReader reader) throws IOException {
        this.name = name;
        this.allocator = allocator;
        this.reader = reader;
        this.root = reader.getVectorSchemaRoot();
        this.task = (VarCharVector) root.getVector("task");
        this.id = (VarCharVector) root.getVector("id");
        this.tokens = (ListVector) root.getVector("tokens");
        this.lossMask = (ListVector) root.getVector("loss_mask");
    }

    /** {@code shard-00000.arrow} for shard 0. */
    static String fileName(int shard) {
        return String.format(Locale.ROOT, "shard-%05d.arrow", shard);
    }

    /** A shard on the local disk, read through a file channel. */
    public static TrainShard open(java.nio.file.Path file) throws IOException {
        return read(file.toString(), FileChannel.open(file));
    }

    /** A shard on any Hadoop file system ({@code s3a://} included), read whole into memory first. */
    public static TrainShard open(FileSystem fs, Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        }
        return read(file.toString(), new ByteArrayReadableSeekableByteChannel(bytes));
    }

    private static TrainShard read(String name, SeekableByteChannel channel) throws IOException {
        BufferAllocator allocator = new RootAllocator();
        ArrowFileReader reader = new ArrowFileReader(channel, allocator);
        try {
            Schema schema = reader.getVectorSchemaRoot().getSchema();
            if (!SCHEMA.equals(schema)) {
                throw new IOException(name + ": schema " + schema + ", a train shard has " + SCHEMA);
            }
            int batches = reader.getRecordBlocks().size();
            if (batches != 1 || !reader.loadNextBatch()) {
                throw new IOException(name + ": " + batches + " record batches, a train shard has exactly 1");
            }
            return new TrainShard(name, allocator, reader);
        } catch (IOException | RuntimeException e) {
            reader.close();
            allocator.close();
            throw e;
        }
    }

    /** Examples in this shard; zero for a shard past the last example. */
    public int size() {
        return live(root).getRowCount();
    }

    public String task(int i) {
        return new String(live(task).get(i), StandardCharsets.UTF_8);
    }

    public String id(int i) {
        return new String(live(id).get(i), StandardCharsets.UTF_8);
    }

    /** Where example {@code i} starts in {@link #tokenData()}. */
    public int start(int i) {
        return live(tokens).getElementStartIndex(i);
    }

    public int length(int i) {
        return live(tokens).getElementEndIndex(i) - start(i);
    }

    /** Every token id of the shard, example after example: a read-only view of Arrow memory, not a copy. */
    public IntBuffer tokenData() {
        IntVector data = (IntVector) live(tokens).getDataVector();
        return data.getDataBuffer().nioBuffer(0, data.getValueCount() * Integer.BYTES)
                .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    }

    /** A copy of example {@code i}'s token ids. */
    public int[] tokens(int i) {
        IntVector data = (IntVector) live(tokens).getDataVector();
        int[] out = new int[length(i)];
        for (int j = 0, at = start(i); j < out.length; j++, at++) {
            out[j] = data.get(at);
        }
        return out;
    }

    /** A copy of example {@code i}'s loss mask, aligned with {@link #tokens(int)}. */
    public boolean[] lossMask(int i) {
        TinyIntVector data = (TinyIntVector) live(lossMask).getDataVector();
        int from = lossMask.getElementStartIndex(i);
        boolean[] out = new boolean[lossMask.getElementEndIndex(i) - from];
        for (int j = 0; j < out.length; j++) {
            out[j] = data.get(from + j) != 0;
        }
        return out;
    }

    /** Frees the shard's Arrow memory; a second call does nothing. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            try {
                reader.close();
            } finally {
                allocator.close();
            }
        }
    }

    private <V> V live(V vector) {
        if (closed) {
            throw new IllegalStateException("train shard " + name + " is closed");
        }
        return vector;
    }

    private static Field list(String name, ArrowType item) {
        return new Field(name, FieldType.notNullable(ArrowType.List.INSTANCE),
                List.of(new Field(BaseRepeatedValueVector.DATA_VECTOR_NAME, FieldType.notNullable(item), null)));
    }
}
