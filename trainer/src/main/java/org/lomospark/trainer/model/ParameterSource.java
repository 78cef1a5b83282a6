package org.lomospark.trainer.model;

import java.util.Arrays;
import java.util.function.BiFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.tensor.Cuda;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Where a model's parameters come from while it is built: random initialization or a checkpoint. Each call asks
 * for one slice of one tensor (the whole tensor without tensor parallelism) and returns a trainable leaf the model
 * owns.
 */
public interface ParameterSource {

    /** Reads one tensor by Hugging Face name (any dtype, on the CPU); the caller closes it. */
    @FunctionalInterface
    interface Reader {
        Tensor read(String name);
    }

    Tensor weight(String name, Slice part);

    Tensor bias(String name, Slice part);

    Tensor norm(String name, Slice part);

    /**
     * Random initialization from a generator of this source's own, seeded with {@code seed}, so models built at
     * once on several threads (ranks of one JVM) neither share nor reseed each other's draws: with {@code onCpu} a
     * CPU generator drawing in fp32 (the seed then means the same on any device), otherwise one on the placement's
     * GPU. Every tensor is drawn whole and then cut, so a tensor-parallel rank holds exactly its slice of the
     * one-rank model of the seed.
     */
    static ParameterSource random(Placement at, boolean onCpu, long seed) {
        Generator generator = onCpu ? torch.make_generator_cpu(seed) : Cuda.generator(at, seed);
        return new ParameterSource() {
            public Tensor weight(String name, Slice part) {
                return Params.normal(at, generator, part);
            }

            public Tensor bias(String name, Slice part) {
                return Params.zeros(at, part.shape());
            }

            public Tensor norm(String name, Slice part) {
                return Params.ones(at, part.shape());
            }
        };
    }

    /** Whole tensors from {@code reader}, each checked against the config's shape, then cut to the slice. */
    static ParameterSource from(Placement at, Reader reader) {
        return stored(at, (name, part) -> {
            Tensor whole = reader.read(name);
            requireShape(name, Tensors.shape(whole), part.fullShape());
            return part.view(whole);
        });
    }

    /**
     * Only this rank's slices from a checkpoint: each tensor's shape is checked against the config in the file's
     * header, then just the slice's bytes are read.
     */
    static ParameterSource slices(Placement at, HfCheckpoint checkpoint) {
        return stored(at, (name, part) -> {
            requireShape(name, checkpoint.info(name).shape(), part.fullShape());
            return part.isWhole() ? checkpoint.read(name)
                    : checkpoint.readSlice(name, part.dim(), part.from(), part.to());
        });
    }

    /** Every kind of parameter read alike by {@code readPart} (CPU, stored dtype) and copied to the placement. */
    private static ParameterSource stored(Placement at, BiFunction<String, Slice, Tensor> readPart) {
        return new ParameterSource() {
            public Tensor weight(String name, Slice part) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor p = readPart.apply(name, part).to(at.torchDevice(), at.dtype()).contiguous().clone();
                    p.requires_grad_(true);
                    return Native.keep(p);
                }
            }

            public Tensor bias(String name, Slice part) {
                return weight(name, part);
            }

            public Tensor norm(String name, Slice part) {
                return weight(name, part);
            }
        };
    }

    private static void requireShape(String name, long[] stored, long[] expected) {
        if (!Arrays.equals(stored, expected)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(stored)
                    + " but the config needs " + Arrays.toString(expected));
        }
    }
}
