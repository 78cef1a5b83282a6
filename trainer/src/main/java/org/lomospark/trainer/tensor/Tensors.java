package org.lomospark.trainer.tensor;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Small conveniences over the Bytedeco tensor API that every package needs: options, shapes, and copies
 * between Java arrays and CPU tensors. Nothing here keeps state.
 *
 * <p>Every returned {@link Tensor} is owned by the caller (or the enclosing {@code PointerScope}).
 */
public final class Tensors {
    private Tensors() {}

    /** Tensor options for a dtype on a device. */
    public static TensorOptions options(ScalarType dtype, Device device) {
        return new TensorOptions()
                .dtype(new ScalarTypeOptional(dtype))
                .device(new DeviceOptional(device));
    }

    /** Tensor options for a dtype on the CPU. */
    public static TensorOptions options(ScalarType dtype) {
        return options(dtype, new Device(torch.DeviceType.CPU));
    }

    /** An uninitialized tensor. */
    public static Tensor empty(TensorOptions options, long... shape) {
        return torch.empty(shape, options, new MemoryFormatOptional());
    }

    /** The dtype of a tensor as a Java constant (native enums must be interned before comparing). */
    public static ScalarType dtype(Tensor t) {
        return t.scalar_type().intern();
    }

    /** The shape of a tensor. */
    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    /** Copies any tensor (any device, dtype, layout) into a fresh float array, row-major. */
    public static float[] toFloats(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor c = t.detach().to(new Device(torch.DeviceType.CPU), ScalarType.Float).contiguous();
            float[] out = new float[Math.toIntExact(c.numel())];
            if (out.length > 0) {
                new FloatPointer(c.data_ptr()).capacity(out.length).get(out);
            }
            return out;
        }
    }

    /** A CPU float32 tensor holding a copy of {@code values} in the given shape. */
    public static Tensor fromFloats(float[] values, long... shape) {
        Tensor t = empty(options(ScalarType.Float), shape);
        if (values.length > 0) {
            new FloatPointer(t.data_ptr()).capacity(values.length).put(values);
        }
        return t;
    }

    /** A CPU int64 tensor holding a copy of {@code values} in the given shape. */
    public static Tensor fromLongs(long[] values, long... shape) {
        Tensor t = empty(options(ScalarType.Long), shape);
        if (values.length > 0) {
            new LongPointer(t.data_ptr()).capacity(values.length).put(values);
        }
        return t;
    }

    /** The raw bytes of a contiguous CPU tensor, copied. */
    public static byte[] toBytes(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor c = t.detach().cpu().contiguous();
            byte[] out = new byte[Math.toIntExact(c.nbytes())];
            if (out.length > 0) {
                new BytePointer(c.data_ptr()).capacity(out.length).get(out);
            }
            return out;
        }
    }

    /** A CPU uint8 tensor holding a copy of {@code bytes}. */
    public static Tensor fromBytes(byte[] bytes) {
        Tensor t = empty(options(ScalarType.Byte), bytes.length);
        if (bytes.length > 0) {
            new BytePointer(t.data_ptr()).capacity(bytes.length).put(bytes);
        }
        return t;
    }

    /** Reads a one-element tensor as a double: a device-to-host sync point on a GPU. */
    public static double item(Tensor t) {
        return t.item().toDouble();
    }
}
