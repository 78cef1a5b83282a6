package org.lomospark.trainer.tensor;

import java.util.Locale;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Where weights live and in which dtype: {@code cpu} or {@code cuda[:N]}, and f32, bf16 or f16.
 *
 * <pre>{@code
 * Placement p = Placement.parse("cuda:0", "bf16");
 * Tensor w = Tensors.empty(p.options(), 4096, 4096);
 * }</pre>
 */
public record Placement(String device, ScalarType dtype) {

    public Placement {
        if (!device.equals("cpu") && !device.matches("cuda(:\\d+)?")) {
            throw new IllegalArgumentException("device must be cpu or cuda[:N], got '" + device + "'");
        }
        if (dtype != ScalarType.Float && dtype != ScalarType.BFloat16 && dtype != ScalarType.Half) {
            throw new IllegalArgumentException("weight dtype must be f32, bf16 or f16, got " + dtype);
        }
        if (device.startsWith("cuda")) {
            // Load the CUDA natives now, before any other libtorch call: seen on a fresh host (natives being
            // unpacked for the first time), a CPU call first left CUDA reported unavailable.
            requireCuda();
        }
    }

    public static Placement cpu(ScalarType dtype) {
        return new Placement("cpu", dtype);
    }

    /** Parses a device name and a dtype name (f32|fp32|float32, bf16|bfloat16, f16|fp16|float16). */
    public static Placement parse(String device, String dtype) {
        return new Placement(device, dtypeOf(dtype));
    }

    public static ScalarType dtypeOf(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32", "fp32", "float32" -> ScalarType.Float;
            case "bf16", "bfloat16" -> ScalarType.BFloat16;
            case "f16", "fp16", "float16" -> ScalarType.Half;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "' (choices: f32, bf16, f16)");
        };
    }

    /** The short name used in configs and benchmark JSON. */
    public String dtypeName() {
        return switch (dtype) {
            case Float -> "f32";
            case BFloat16 -> "bf16";
            default -> "f16";
        };
    }

    /** Hugging Face's torch_dtype spelling for config.json. */
    public String torchDtypeName() {
        return switch (dtype) {
            case Float -> "float32";
            case BFloat16 -> "bfloat16";
            default -> "float16";
        };
    }

    public boolean isCuda() {
        return device.startsWith("cuda");
    }

    public Device torchDevice() {
        if (isCuda()) {
            requireCuda();
        }
        return new Device(device);
    }

    public TensorOptions options() {
        return Tensors.options(dtype, torchDevice());
    }

    public TensorOptions options(ScalarType other) {
        return Tensors.options(other, torchDevice());
    }

    /** Set once the CUDA natives are loaded and a device was seen; never reset. */
    private static volatile boolean cudaReady;

    /** Loads the CUDA half of libtorch: its hooks register on load, so it must happen before any CUDA query. */
    private static void requireCuda() {
        if (cudaReady) {
            return;
        }
        try {
            Loader.load(Class.forName("org.bytedeco.pytorch.global.torch_cuda"));
        } catch (ClassNotFoundException | UnsatisfiedLinkError e) {
            throw new IllegalStateException("device cuda needs the GPU natives (build with -Pgpu): " + e.getMessage(), e);
        }
        if (!torch.cuda_is_available()) {
            throw new IllegalStateException("device cuda requested but no CUDA device is visible");
        }
        cudaReady = true;
    }
}
