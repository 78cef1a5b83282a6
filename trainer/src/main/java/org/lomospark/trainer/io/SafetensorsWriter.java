package org.lomospark.trainer.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Writes safetensors files that the Hugging Face {@code safetensors} library reads.
 *
 * <p>Tensors are laid out in the iteration order of the map (use a {@link java.util.LinkedHashMap} or a
 * {@link java.util.TreeMap} for a stable file), back to back, without gaps. Tensors on any device, of any
 * layout, are copied to contiguous CPU memory one at a time while writing.
 *
 * <pre>{@code
 * Map<String, Tensor> tensors = new LinkedHashMap<>();
 * tensors.put("model.norm.weight", norm);
 * SafetensorsWriter.write(Path.of("model.safetensors"), tensors, Map.of("format", "pt"));
 * }</pre>
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} and {@code metadata} (stored as {@code __metadata__} when not empty) to
     * {@code file}. The file appears complete or not at all: it is written under a temporary name in the
     * same directory and renamed into place.
     *
     * @throws SafetensorsException naming the file (and tensor) for a dtype outside {@link DType}, a tensor
     *     named {@code __metadata__}, or an I/O failure
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<TensorInfo> infos = new ArrayList<>(tensors.size());
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            TensorInfo info = layout(file, e.getKey(), e.getValue(), offset);
            infos.add(info);
            offset = info.end();
        }
        byte[] header = SafetensorsHeader.encode(infos, metadata);
        AtomicFile.write(file, channel -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            AtomicFile.writeFully(channel, length);
            AtomicFile.writeFully(channel, ByteBuffer.wrap(header));
            for (Tensor t : tensors.values()) {
                writeData(channel, t);
            }
        });
    }

    /** The header entry of a tensor whose bytes start {@code offset} bytes into the data section. */
    static TensorInfo layout(Path file, String name, Tensor t, long offset) {
        if (name.equals("__metadata__")) {
            throw new SafetensorsException(file, name, "the name is reserved for the header's metadata");
        }
        DType dtype;
        try {
            dtype = DType.of(Tensors.dtype(t));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, name, e.getMessage(), e);
        }
        long[] shape = Tensors.shape(t);
        return new TensorInfo(name, dtype, shape, offset,
                Math.addExact(offset, Math.multiplyExact(TensorInfo.numel(shape), dtype.byteSize())));
    }

    private static void writeData(FileChannel channel, Tensor t) throws IOException {
        // detach: the copy must not join an autograd graph; cpu and contiguous are no-ops when already so.
        try (Tensor detached = t.detach(); Tensor cpu = detached.cpu(); Tensor dense = cpu.contiguous()) {
            TensorMemory.chunks(dense, 0, dense.nbytes(), (chunk, done) -> AtomicFile.writeFully(channel, chunk));
        }
    }
}
