package org.lomospark.trainer.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.lomospark.trainer.tensor.Tensors;

/**
 * A safetensors file open for reading: the header is parsed and checked by {@link #open}, tensors are read
 * on demand, whole or as a slice along one dimension.
 *
 * <p>Tensor bytes come in through positional reads into the new tensor's own memory, never a memory
 * map: a file truncated under a map kills the JVM with SIGBUS, while a short read here is an exception.
 * safetensors data is little-endian, as is every machine we run on, so bytes copy straight in.
 * Reads may run concurrently from several threads; as with any {@link FileChannel}, interrupting a
 * thread during a read closes the file for all of them.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(Path.of("model.safetensors"));
 *      Tensor embed = f.read("model.embed_tokens.weight");
 *      Tensor rows = f.readSlice("lm_head.weight", 0, rank * part, (rank + 1) * part)) {
 *     ...
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    /** File position of the data section: after the 8-byte length and the header. */
    private final long dataStart;

    private SafetensorsFile(Path file, FileChannel channel, SafetensorsHeader header, long dataStart) {
        this.file = file;
        this.channel = channel;
        this.header = header;
        this.dataStart = dataStart;
    }

    /**
     * Opens a file and validates its header against the file size.
     *
     * @throws SafetensorsException naming the file (and tensor) when anything is wrong
     */
    public static SafetensorsFile open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SafetensorsException(file, "cannot open: " + e, e);
        }
        try {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(file,
                        "file has " + size + " bytes, too few for the 8-byte header length");
            }
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, file, null, length, 0);
            long n = length.getLong(0);
            // Compared as signed: a u64 length of 2^63 or more reads negative here and is rejected too.
            if (n <= 0 || n > SafetensorsHeader.MAX_BYTES) {
                throw new SafetensorsException(file, "header length " + Long.toUnsignedString(n)
                        + " is not in [1, " + SafetensorsHeader.MAX_BYTES + "]");
            }
            if (n > size - 8) {
                throw new SafetensorsException(file, "header length " + n + " runs past the end of the file ("
                        + size + " bytes)");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(channel, file, null, json, 8);
            SafetensorsHeader header = SafetensorsHeader.parse(file, json.array(), size - 8 - n);
            return new SafetensorsFile(file, channel, header, 8 + n);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof SafetensorsException s ? s : new SafetensorsException(file, "cannot read: " + e, e);
        }
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return header.tensors.keySet();
    }

    /**
     * The header entry of a tensor.
     *
     * @throws SafetensorsException if the file holds no tensor of that name
     */
    public TensorInfo info(String name) {
        TensorInfo info = header.tensors.get(name);
        if (info == null) {
            throw new SafetensorsException(file, name, "no such tensor in the file");
        }
        return info;
    }

    /** The {@code __metadata__} of the header; empty if it has none. */
    public Map<String, String> metadata() {
        return header.metadata;
    }

    /** Reads a whole tensor: a new CPU tensor of the stored dtype and shape, owned by the caller. */
    public Tensor read(String name) {
        TensorInfo info = info(name);
        return load(info, info.shape(), 1, info.byteCount(), 0, 0);
    }

    /**
     * Reads elements {@code [from, to)} along dimension {@code dim}, and only their bytes: one read for a
     * slice along dimension 0, one read per contiguous run otherwise (per row, for a column slice of a
     * matrix). Equal to {@code read(name).narrow(dim, from, to - from)}, but owning compact memory.
     *
     * @throws SafetensorsException if the tensor is unknown, {@code dim} is not one of its dimensions, or
     *     {@code [from, to)} is not within {@code [0, shape[dim])}
     */
    public Tensor readSlice(String name, int dim, long from, long to) {
        TensorInfo info = info(name);
        long[] shape = info.shape();
        if (dim < 0 || dim >= shape.length) {
            throw new SafetensorsException(file, name,
                    "cannot slice dim " + dim + " of shape " + Arrays.toString(shape));
        }
        if (from < 0 || from > to || to > shape[dim]) {
            throw new SafetensorsException(file, name, "slice [" + from + ", " + to + ") along dim " + dim
                    + " is not within [0, " + shape[dim] + ") of shape " + Arrays.toString(shape));
        }
        long outer = TensorInfo.numel(Arrays.copyOfRange(shape, 0, dim));
        // Bytes of one step along dim: everything after dim is contiguous below it.
        long step = TensorInfo.numel(Arrays.copyOfRange(shape, dim + 1, shape.length)) * info.dtype().byteSize();
        long[] sliced = shape.clone();
        sliced[dim] = to - from;
        if (to - from == shape[dim]) {
            return load(info, sliced, 1, info.byteCount(), 0, 0); // the whole tensor: one run
        }
        return load(info, sliced, outer, (to - from) * step, shape[dim] * step, from * step);
    }

    /**
     * A new tensor of {@code shape} filled from {@code runs} runs of {@code runBytes} bytes each, the
     * first at {@code first} bytes into the tensor's data, the next ones {@code stride} bytes apart.
     */
    private Tensor load(TensorInfo info, long[] shape, long runs, long runBytes, long stride, long first) {
        long bytes = runs * runBytes; // at most the tensor's bytes, which the header checked fit a long
        if (bytes > TensorMemory.CHUNK_BYTES && bytes > TensorMemory.hostBytes()) {
            // refused before asking libtorch, whose refusal names neither, or whose overcommitted yes ends in the
            // kernel's OOM killer as the read fills the pages
            throw new SafetensorsException(file, info.name(), "shape " + Arrays.toString(shape) + " of "
                    + info.dtype() + " is " + bytes + " bytes, more than this host's memory and swap ("
                    + TensorMemory.hostBytes() + " bytes)");
        }
        Tensor t;
        try (TensorOptions options = Tensors.options(info.dtype().scalarType())) {
            t = Tensors.empty(options, shape);
        } catch (RuntimeException e) {
            throw new SafetensorsException(file, info.name(), "cannot allocate " + bytes + " bytes for shape "
                    + Arrays.toString(shape) + " of " + info.dtype() + ": " + e.getMessage(), e);
        }
        if (runBytes == 0) {
            return t; // nothing to read, however many runs (a [2^40, 0] tensor has 2^40 empty rows)
        }
        try {
            long base = dataStart + info.begin() + first;
            for (long r = 0; r < runs; r++) {
                long position = base + r * stride;
                TensorMemory.chunks(t, r * runBytes, runBytes,
                        (chunk, done) -> readFully(channel, file, info.name(), chunk, position + done));
            }
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e instanceof SafetensorsException s ? s
                    : new SafetensorsException(file, info.name(), "cannot read: " + e, e);
        }
    }

    /** Fills {@code dst} from {@code position}; a file that ends first is an error, not a short read. */
    private static void readFully(FileChannel channel, Path file, String tensor, ByteBuffer dst, long position)
            throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, p);
            if (n < 0) {
                throw new SafetensorsException(file, tensor, "file ends at " + channel.size()
                        + " bytes, before byte " + (p + dst.remaining()) + " it should hold");
            }
            p += n;
        }
    }

    /** Closes the file; tensors already read stay valid (they own their memory). */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new SafetensorsException(file, "cannot close: " + e, e);
        }
    }
}
