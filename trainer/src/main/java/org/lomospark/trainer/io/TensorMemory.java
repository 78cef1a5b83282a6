package org.lomospark.trainer.io;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/**
 * A contiguous CPU tensor's memory seen as {@link ByteBuffer}s, so file channels read into it and write
 * from it without a copy on the Java heap. A ByteBuffer is int-indexed: large ranges come in chunks.
 */
final class TensorMemory {
    private TensorMemory() {}

    /** Largest chunk: 1 GiB keeps every chunk far below the 2 GiB a ByteBuffer can address. */
    static final int CHUNK_BYTES = 1 << 30;

    /**
     * The most bytes this host could give one tensor: its memory plus swap (a container's limits, where the JVM runs
     * in one). A larger tensor cannot be read, however the kernel answers the allocation.
     */
    static long hostBytes() {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() + os.getTotalSwapSpaceSize();
    }

    /** What to do with one chunk; {@code done} counts the bytes of the range before it. */
    interface ChunkIo {
        void transfer(ByteBuffer chunk, long done) throws IOException;
    }

    /** Hands bytes [offset, offset + length) of the tensor's memory to {@code io}, chunk by chunk. */
    static void chunks(Tensor t, long offset, long length, ChunkIo io) throws IOException {
        chunks(t, offset, length, CHUNK_BYTES, io);
    }

    static void chunks(Tensor t, long offset, long length, int chunkBytes, ChunkIo io) throws IOException {
        if (length == 0) {
            return; // an empty tensor may have no memory at all
        }
        BytePointer base = new BytePointer(t.data_ptr());
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(chunkBytes, length - done);
            long from = offset + done;
            io.transfer(base.position(from).limit(from + n).asByteBuffer(), done);
            done += n;
        }
    }
}
