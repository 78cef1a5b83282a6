package org.lomospark.trainer.recipe;

import java.io.Serializable;

/**
 * One training run's settings, whichever entry point gave them (the trainer CLI's options, the pipeline's HOCON,
 * the Spark ML fine-tuner's Params, each read by {@link Settings}): the model, the hyper-parameters, the runtime
 * and the data layout. Settings that cannot go together fail here, naming both. {@link TrainingParts#build}
 * turns a recipe into the model, optimizer, fused step, schedule and loop.
 *
 * <pre>{@code
 * Recipe r = Settings.named(Map.of("optimizer", "adalomo", "steps", "100"), n -> "--" + n, "synthetic", 64);
 * }</pre>
 */
public record Recipe(BaseModel model, HyperParams hyper, RuntimeParams runtime, DataLayout data)
        implements Serializable {
    public Recipe {
        if (hyper.microBatches() > 1 && runtime.strategy() == RuntimeParams.Strategy.HOOK) {
            throw new IllegalArgumentException("micro-batches " + hyper.microBatches() + " needs strategy block, "
                    + "not hook: one autograd backward with hooks updates as it goes and cannot accumulate");
        }
        if (!hyper.optimizer().fused() && runtime.world() > 1) {
            throw new IllegalArgumentException("optimizer " + hyper.optimizer().settingName() + " is a "
                    + "full-backward baseline for one device, and dp " + runtime.dp() + " x tp " + runtime.tp()
                    + " asks for " + runtime.world() + " ranks: use optimizer lomo or adalomo");
        }
        if (!hyper.optimizer().fused() && runtime.dtype().equals("f16")) {
            throw new IllegalArgumentException("dtype f16 needs the fused step's loss scaler, and optimizer "
                    + hyper.optimizer().settingName() + " is a full-backward baseline: use dtype bf16 or f32");
        }
        if (!hyper.optimizer().fused() && runtime.offload()) {
            throw new IllegalArgumentException("offload belongs to the fused step's strategy block, and optimizer "
                    + hyper.optimizer().settingName() + " is a full-backward baseline: use optimizer lomo or adalomo");
        }
    }

    /** This recipe training another base model. */
    public Recipe withModel(BaseModel other) {
        return new Recipe(other, hyper, runtime, data);
    }

    /** This recipe over other data. */
    public Recipe withData(DataLayout other) {
        return new Recipe(model, hyper, runtime, other);
    }
}
