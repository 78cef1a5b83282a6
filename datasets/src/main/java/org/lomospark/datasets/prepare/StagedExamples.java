package org.lomospark.datasets.prepare;

import java.io.Closeable;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * A train partition's examples as the shuffle delivers them (in no set order), kept in one off-heap buffer until
 * the partition is complete, then handed out in key order ({@link Layout#ORDER}). Only the keys and where each
 * example starts stay on the Java heap (some 60 bytes an example), so the examples themselves never reach the
 * heap's old generation: Spark's own sort of the shuffle held a whole shard there as objects for the task's
 * length, and the heap grew with every wave of shard tasks. The buffer is freed when this closes.
 *
 * <p>An example is written as its source, task and id (length and UTF-8 bytes), token count, the ids as int32
 * and the mask as one byte a token; the buffer is the task's own, in Arrow's byte order.
 *
 * <pre>
 * try (StagedExamples staged = new StagedExamples(expectedTokens)) {
 *     while (shuffled.hasNext()) { Tuple2&lt;Layout.Key, Out&gt; kv = shuffled.next(); staged.add(kv._1(), (Out.Example) kv._2()); }
 *     for (Iterator&lt;Out&gt; it = staged.sorted(); it.hasNext(); ) { ... }
 * }
 * </pre>
 */
final class StagedExamples implements Closeable {
    /** What an example takes beyond its tokens: source, three lengths (task, id, tokens). */
    private static final int HEADER_BYTES = 4 * Integer.BYTES;
    /** Bytes a token takes: its id and its mask byte. */
    private static final int TOKEN_BYTES = Integer.BYTES + 1;
    /** Room for this much of each example's task and id, by estimate, when sizing the buffer up front. */
    private static final int NAME_BYTES = 48;
    /** The fewest tokens an example is assumed to have when sizing the buffer up front. */
    private static final int MIN_EXAMPLE_TOKENS = 64;
    private final BufferAllocator allocator = new RootAllocator();
    private ArrowBuf data;
    private long len;
    private Layout.Key[] keys = new Layout.Key[1 << 10];
    private long[] starts = new long[1 << 10];
    private int count;
    private byte[] scratch = new byte[1 << 10];

    /**
     * With room for about {@code expectedTokens} (at most {@link TrainShardWriter#MAX_INITIAL_TOKENS}) from the
     * start, so the buffer is allocated once; it doubles when the estimate was short.
     */
    StagedExamples(long expectedTokens) {
        long tokens = Math.min(Math.max(expectedTokens, 0), TrainShardWriter.MAX_INITIAL_TOKENS);
        // the tokens, and a header and names for every 64 of them (examples are longer: the rest is never touched,
        // as an Arrow buffer is not zeroed)
        data = allocator.buffer(Math.max(1 << 16, tokens * TOKEN_BYTES
                + tokens / MIN_EXAMPLE_TOKENS * (HEADER_BYTES + NAME_BYTES)));
    }

    /** Keeps {@code e} under {@code key}; nothing of {@code e} is referenced after this returns. */
    void add(Layout.Key key, Out.Example e) {
        byte[] task = e.task().getBytes(StandardCharsets.UTF_8);
        byte[] id = e.id().getBytes(StandardCharsets.UTF_8);
        int n = e.tokens().length;
        if (e.lossMask().length != n) {
            throw new IllegalArgumentException("example " + e.id() + " has " + n + " tokens and "
                    + e.lossMask().length + " mask values");
        }
        room(HEADER_BYTES + task.length + id.length + (long) TOKEN_BYTES * n);
        if (count == keys.length) {
            keys = Arrays.copyOf(keys, 2 * count);
            starts = Arrays.copyOf(starts, 2 * count);
        }
        keys[count] = key;
        starts[count] = len;
        count++;
        putInt(e.source());
        putBytes(task);
        putBytes(id);
        putInt(n);
        data.nioBuffer(len, n * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(e.tokens());
        len += (long) n * Integer.BYTES;
        boolean[] mask = e.lossMask();
        byte[] bytes = scratch(n);
        for (int j = 0; j < n; j++) {
            bytes[j] = (byte) (mask[j] ? 1 : 0);
        }
        data.setBytes(len, bytes, 0, n);
        len += n;
    }

    /** The examples kept so far, in key order; each one a fresh object, read from this buffer as it is asked for. */
    Iterator<Out> sorted() {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Layout.Key[] k = keys;
        Arrays.sort(order, (a, b) -> Layout.ORDER.compare(k[a], k[b]));
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < order.length;
            }

            @Override
            public Out next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return example(starts[order[next++]]);
            }
        };
    }

    private Out.Example example(long at) {
        int source = data.getInt(at);
        at += Integer.BYTES;
        int taskLength = data.getInt(at);
        String task = string(at + Integer.BYTES, taskLength);
        at += Integer.BYTES + taskLength;
        int idLength = data.getInt(at);
        String id = string(at + Integer.BYTES, idLength);
        at += Integer.BYTES + idLength;
        int n = data.getInt(at);
        at += Integer.BYTES;
        int[] tokens = new int[n];
        data.nioBuffer(at, n * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(tokens);
        at += (long) n * Integer.BYTES;
        byte[] bytes = scratch(n);
        data.getBytes(at, bytes, 0, n);
        boolean[] mask = new boolean[n];
        for (int j = 0; j < n; j++) {
            mask[j] = bytes[j] != 0;
        }
        return new Out.Example(source, task, id, tokens, mask);
    }

    private String string(long at, int n) {
        byte[] bytes = scratch(n);
        data.getBytes(at, bytes, 0, n);
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    private byte[] scratch(int n) {
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, 2 * scratch.length)];
        }
        return scratch;
    }

    private void putInt(int v) {
        data.setInt(len, v);
        len += Integer.BYTES;
    }

    private void putBytes(byte[] b) {
        putInt(b.length);
        data.setBytes(len, b, 0, b.length);
        len += b.length;
    }

    /** Makes room for {@code more} bytes: a buffer twice the size, or what it takes, the kept bytes copied over. */
    private void room(long more) {
        if (len + more <= data.capacity()) {
            return;
        }
        ArrowBuf grown = allocator.buffer(Math.max(len + more, 2 * data.capacity()));
        grown.setBytes(0, data, 0, len);
        data.close();
        data = grown;
    }

    @Override
    public void close() {
        try {
            data.close();
        } finally {
            allocator.close();
        }
    }
}
