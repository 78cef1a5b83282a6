package org.lomospark.pipeline.data;

import java.io.IOException;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.datasets.prepare.Manifest;
import org.lomospark.datasets.prepare.TrainShard;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.data.TokenSource;
import org.lomospark.trainer.model.LmHead;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Tensors;

import static org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Training batches from the Arrow trainer shards of a prepared output (any Hadoop file system), for example the
 * shards one data-parallel rank owns.
 *
 * <p>Every example is one row of a fixed (B, T) batch: its tokens but the last are the inputs, the target of
 * input {@code t} is token {@code t + 1} where that token is in the loss mask and {@link LmHead#IGNORE_INDEX}
 * elsewhere, and the row is right-padded with {@code padId} under an attention mask of its real tokens. An
 * example longer than {@code T + 1} tokens fails {@link #open} naming its shard and row: cutting belongs to the
 * prepare job, where it is counted, never here.
 *
 * <p>Order: an epoch is one pass over every example of the given shards, in a permutation drawn from
 * {@code (seed, epoch)}; batch {@code i} holds positions {@code i*B .. i*B+B-1} of the endless sequence of
 * epochs (a batch may straddle two). Batch {@code i} is therefore a pure function of {@code i}, and a resumed
 * run reads exactly what an uninterrupted one would have.
 *
 * <pre>{@code
 * try (ShardTokenSource data = ShardTokenSource.open(conf, ShardTokenSource.listShards(conf, prepared), 8, 128,
 *         tokenizer.pad(), 42);
 *      Batch b = data.batch(0)) {
 *     ... // b.inputIds() (8, 128) int64
 * }
 * }</pre>
 *
 * <p>The shards stay open, in Arrow memory, until {@link #close()}; each batch copies its examples' token runs
 * from the shard buffer straight into the batch tensor, with no per-token Java objects.
 */
public final class ShardTokenSource implements TokenSource, AutoCloseable {
    private final List<String> names;
    private final List<TrainShard> shards;
    /** {@code firstExample[s]} is the global index of shard {@code s}'s row 0; the last entry is the total. */
    private final int[] firstExample;
    private final int batchSize;
    private final int seqLen;
    private final int padId;
    private final long seed;
    // the permutation of the epoch asked for last: consecutive batches almost always share it
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    /** Where a position of the batch sequence comes from: shard path, row in that shard, and the example's key. */
    public record ExampleRef(String shard, int row, String task, String id) {}

    private ShardTokenSource(List<String> names, List<TrainShard> shards, int batchSize, int seqLen, int padId,
            long seed) {
        this.names = names;
        this.shards = shards;
        this.batchSize = batchSize;
        this.seqLen = seqLen;
        this.padId = padId;
        this.seed = seed;
        this.firstExample = new int[shards.size() + 1];
        for (int s = 0; s < shards.size(); s++) {
            firstExample[s + 1] = Math.addExact(firstExample[s], shards.get(s).size());
        }
    }

    /**
     * Opens every shard and checks every example's length; on any failure the shards opened so far are closed.
     *
     * @param shards shard files, e.g. from {@link #listShards}; their order is part of the data order
     * @param seqLen T: examples of up to {@code seqLen + 1} tokens fit (inputs are all tokens but the last)
     * @param padId the tokenizer's pad id, written after each example's inputs
     * @param seed draws each epoch's permutation
     */
    public static ShardTokenSource open(Configuration conf, List<Path> shards, int batchSize, int seqLen, int padId,
            long seed) throws IOException {
        if (batchSize < 1 || seqLen < 1) {
            throw new IllegalArgumentException("batch size and seq len must be >= 1, got " + batchSize + " and "
                    + seqLen);
        }
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("no shards to read");
        }
        List<String> names = new ArrayList<>();
        List<TrainShard> open = new ArrayList<>();
        try {
            for (Path p : shards) {
                FileSystem fs = p.getFileSystem(conf);
                open.add(TrainShard.open(fs, p));
                names.add(p.toString());
            }
            checkLengths(names, open, seqLen);
            ShardTokenSource source = new ShardTokenSource(List.copyOf(names), List.copyOf(open), batchSize, seqLen,
                    padId, seed);
            if (source.examples() == 0) {
                throw new IllegalArgumentException("the shards " + names + " hold no examples");
            }
            return source;
        } catch (IOException | RuntimeException e) {
            closeAll(open, e);
            throw e;
        }
    }

    /**
     * The trainer shards of a prepared output, in shard order, as its {@code manifest.json} lists them (never a
     * directory listing: a stray or missing file is an error, not other data).
     */
    public static List<Path> listShards(Configuration conf, String prepared) throws IOException {
        return manifest(conf, prepared).shardPaths(new Path(prepared));
    }

    /**
     * The {@code manifest.json} of a prepared output, checked to list at least one trainer shard and every listed
     * shard to exist.
     */
    public static Manifest manifest(Configuration conf, String prepared) throws IOException {
        Path root = new Path(prepared);
        FileSystem fs = root.getFileSystem(conf);
        Path file = new Path(root, Manifest.FILE_NAME);
        if (!fs.exists(file)) {
            throw new IOException(root + ": no " + Manifest.FILE_NAME + " (not a prepared output, or an unfinished one)");
        }
        Manifest m = Manifest.read(fs, file);
        List<Path> shards = m.shardPaths(root);
        if (shards.isEmpty()) {
            throw new IOException(file + " lists no trainer shards");
        }
        for (Path p : shards) {
            if (!fs.exists(p)) {
                throw new IOException(file + " lists " + p.getName() + ", which is missing");
            }
        }
        return m;
    }

    private static void checkLengths(List<String> names, List<TrainShard> shards, int seqLen) {
        for (int s = 0; s < shards.size(); s++) {
            TrainShard shard = shards.get(s);
            for (int row = 0; row < shard.size(); row++) {
                int n = shard.length(row);
                if (n > seqLen + 1 || n < 2) {
                    throw new IllegalArgumentException(names.get(s) + " row " + row + " (" + shard.task(row) + " "
                            + shard.id(row) + "): " + n + " tokens, " + (n < 2
                            ? "fewer than 2 (no next token to learn)"
                            : "more than seq len + 1 = " + (seqLen + 1) + "; prepare with a truncation limit or "
                                    + "train with a longer seq len"));
                }
            }
        }
    }

    /** Examples in one epoch. */
    public int examples() {
        return firstExample[shards.size()];
    }

    /** Which example fills position {@code position} ({@code = batch index * batch size + row}). */
    public ExampleRef example(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        int e = exampleAt(position);
        int s = shardOf(e);
        int row = e - firstExample[s];
        TrainShard shard = shards.get(s);
        return new ExampleRef(names.get(s), row, shard.task(row), shard.id(row));
    }

    @Override
    public Batch batch(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("batch index must be >= 0, got " + index);
        }
        int width = seqLen + 1; // inputs and the one token after them
        byte[] inLoss = new byte[batchSize * width];
        byte[] real = new byte[batchSize * seqLen];
        long targetTokens = 0;
        boolean padded = false;
        try (PointerScope scope = new PointerScope()) {
            Tensor window = Tensors.empty(Tensors.options(ScalarType.Int), batchSize, width).fill_(new Scalar(padId));
            IntBuffer into = new IntPointer(window.data_ptr()).capacity((long) batchSize * width).asBuffer();
            for (int b = 0; b < batchSize; b++) {
                int e = exampleAt(index * batchSize + b);
                int s = shardOf(e);
                int row = e - firstExample[s];
                TrainShard shard = shards.get(s);
                int n = shard.length(row);
                into.put(b * width, shard.tokenData(), shard.start(row), n); // one bulk copy out of Arrow memory
                boolean[] mask = shard.lossMask(row);
                for (int t = 1; t < n; t++) {
                    if (mask[t]) {
                        inLoss[b * width + t] = 1;
                        targetTokens++;
                    }
                }
                Arrays.fill(real, b * seqLen, b * seqLen + n - 1, (byte) 1);
                padded |= n - 1 < seqLen;
            }
            Tensor realTokens = Tensors.fromBytes(real).view(batchSize, seqLen); // (B, T), 1 on real inputs
            // a short example's last token sits inside the window as the next token of its last input: pad it
            Tensor ids = window.narrow(1, 0, seqLen).to(ScalarType.Long).contiguous()
                    .masked_fill_(realTokens.eq(new Scalar(0)), new Scalar(padId)); // (B, T)
            Tensor next = window.narrow(1, 1, seqLen).to(ScalarType.Long).contiguous(); // (B, T)
            Tensor noLoss = Tensors.fromBytes(inLoss).view(batchSize, width).narrow(1, 1, seqLen).eq(new Scalar(0));
            Tensor targets = next.masked_fill_(noLoss, new Scalar(LmHead.IGNORE_INDEX));
            Tensor attention = padded ? Native.keep(realTokens.to(ScalarType.Long)) : null;
            return new Batch(Native.keep(ids), Native.keep(targets), attention, targetTokens);
        }
    }

    @Override
    public String describe() {
        return examples() + " examples in " + shards.size() + " shard(s) from " + names.get(0) + ", batch "
                + batchSize + " x seq " + seqLen + ", order seed " + seed;
    }

    /** Frees every shard's Arrow memory; the first failure is thrown after all were tried. */
    @Override
    public void close() throws IOException {
        closeAll(shards, null);
    }

    private int exampleAt(long position) {
        long epoch = position / examples();
        return order(epoch)[(int) (position % examples())];
    }

    private synchronized int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            int[] order = new int[examples()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    private int shardOf(int example) {
        int at = Arrays.binarySearch(firstExample, example);
        // an exact hit can be the start of empty shards too: take the last shard starting there
        if (at >= 0) {
            while (at + 1 < shards.size() && firstExample[at + 1] == example) {
                at++;
            }
            return at;
        }
        return -at - 2;
    }

    private static void closeAll(List<TrainShard> shards, Throwable primary) throws IOException {
        IOException first = null;
        for (TrainShard s : shards) {
            try {
                s.close();
            } catch (IOException e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
