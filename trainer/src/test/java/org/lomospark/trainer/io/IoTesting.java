package org.lomospark.trainer.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.junit.jupiter.api.function.Executable;
import org.lomospark.trainer.tensor.Tensors;

/** Tensors of known bytes, hand-made safetensors files, and the check every rejection must pass. */
final class IoTesting {
    private IoTesting() {}

    /** A CPU tensor holding exactly {@code bytes}. */
    static Tensor fromBytes(DType dtype, byte[] bytes, long... shape) {
        Tensor t;
        try (TensorOptions options = Tensors.options(dtype.scalarType())) {
            t = Tensors.empty(options, shape);
        }
        if (bytes.length > 0) {
            new BytePointer(t.data_ptr()).capacity(bytes.length).put(bytes);
        }
        return t;
    }

    /**
     * Random bit patterns (NaN payloads and subnormals included) for a tensor of {@code numel} elements;
     * bools get 0 or 1, the only bytes a bool tensor may hold.
     */
    static byte[] randomBytes(DType dtype, long numel, long seed) {
        byte[] bytes = new byte[Math.toIntExact(numel * dtype.byteSize())];
        new Random(seed).nextBytes(bytes);
        if (dtype == DType.BOOL) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] &= 1;
            }
        }
        return bytes;
    }

    /** A random tensor of any dtype, exact bytes known through {@link Tensors#toBytes}. */
    static Tensor random(DType dtype, long seed, long... shape) {
        return fromBytes(dtype, randomBytes(dtype, TensorInfo.numel(shape), seed), shape);
    }

    /** The bytes of any tensor; unlike {@link Tensors#toBytes}, also of one with no elements (null data). */
    static byte[] bytes(Tensor t) {
        return t.numel() == 0 ? new byte[0] : Tensors.toBytes(t);
    }

    /** Little-endian float32 bytes, as safetensors stores them. */
    static byte[] floatBytes(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** A file of an 8-byte little-endian {@code headerLength}, then {@code header}, then {@code data}. */
    static Path rawFile(Path file, long headerLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header).put(data);
        try {
            return Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file with a correct header length for {@code json}. */
    static Path rawFile(Path file, String json, byte[] data) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return rawFile(file, header.length, header, data);
    }

    /** Asserts a {@link SafetensorsException}, no other kind, whose message names each of {@code names}. */
    static SafetensorsException assertRejected(Executable action, Object... names) {
        SafetensorsException e = assertThrows(SafetensorsException.class, action);
        for (Object name : names) {
            assertTrue(e.getMessage().contains(name.toString()),
                    () -> "message \"" + e.getMessage() + "\" does not name " + name);
        }
        return e;
    }
}
