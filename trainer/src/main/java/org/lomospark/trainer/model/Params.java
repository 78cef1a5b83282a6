package org.lomospark.trainer.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Creates trainable leaf tensors with Hugging Face LLaMA's initialization (normal(0, 0.02), norms at one). */
final class Params {
    static final double INIT_STD = 0.02;

    private Params() {}

    /**
     * normal(0, 0.02), drawn for the whole tensor and then cut to {@code part}, so a slice holds the numbers the
     * whole tensor has there. With a CPU generator the numbers come from it in fp32 and are then moved and cast, so
     * one seed gives the same model on any device; with a generator on {@code at}'s GPU they are drawn there.
     */
    static Tensor normal(Placement at, Generator generator, Slice part) {
        try (PointerScope scope = new PointerScope()) {
            boolean onCpu = generator.device().is_cpu();
            long[] shape = part.fullShape();
            Tensor t = torch.randn(shape, new GeneratorOptional(generator),
                    onCpu ? Tensors.options(ScalarType.Float) : at.options());
            t = part.cut(t);
            t.mul_(new Scalar(INIT_STD));
            return trainable(onCpu ? t.to(at.torchDevice(), at.dtype()) : t);
        }
    }

    static Tensor ones(Placement at, long... shape) {
        try (PointerScope scope = new PointerScope()) {
            return trainable(torch.ones(shape, at.options()));
        }
    }

    static Tensor zeros(Placement at, long... shape) {
        try (PointerScope scope = new PointerScope()) {
            return trainable(torch.zeros(shape, at.options()));
        }
    }

    private static Tensor trainable(Tensor t) {
        t.requires_grad_(true);
        return Native.keep(t);
    }
}
