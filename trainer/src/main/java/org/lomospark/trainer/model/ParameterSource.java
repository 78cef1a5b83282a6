package org.lomospark.trainer.model;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/** Where a model's parameters come from while it is built: random initialization or a checkpoint. */
public interface ParameterSource {

    /** Reads one tensor by Hugging Face name (any dtype, on the CPU); the caller closes it. */
    @FunctionalInterface
    interface Reader {
        Tensor read(String name);
    }

    Tensor weight(String name, long... shape);

    Tensor bias(String name, long... shape);

    Tensor norm(String name, long... shape);

    /**
     * Random initialization. {@code onCpu} draws from a CPU generator of this source's own, seeded with
     * {@code seed}, so the seed means the same on any device and models built at once on several threads (ranks of
     * one JVM) do not share draws; otherwise from the device's default generator, seeded here.
     */
    static ParameterSource random(Placement at, boolean onCpu, long seed) {
        Generator cpu = onCpu ? torch.make_generator_cpu(seed) : null;
        if (!onCpu) {
            torch.manual_seed(seed);
        }
        return new ParameterSource() {
            public Tensor weight(String name, long... shape) {
                return Params.normal(at, cpu, shape);
            }

            public Tensor bias(String name, long... shape) {
                return Params.zeros(at, shape);
            }

            public Tensor norm(String name, long... shape) {
                return Params.ones(at, shape);
            }
        };
    }

    static ParameterSource from(Placement at, Reader reader) {
        return new ParameterSource() {
            public Tensor weight(String name, long... shape) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor stored = reader.read(name);
                    if (!Arrays.equals(Tensors.shape(stored), shape)) {
                        throw new IllegalArgumentException("tensor '" + name + "' has shape "
                                + Arrays.toString(Tensors.shape(stored)) + " but the config needs " + Arrays.toString(shape));
                    }
                    Tensor p = stored.to(at.torchDevice(), at.dtype()).contiguous().clone();
                    p.requires_grad_(true);
                    return Native.keep(p);
                }
            }

            public Tensor bias(String name, long... shape) {
                return weight(name, shape);
            }

            public Tensor norm(String name, long... shape) {
                return weight(name, shape);
            }
        };
    }
}
