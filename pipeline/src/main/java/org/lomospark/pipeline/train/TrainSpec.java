package org.lomospark.pipeline.train;

import java.io.IOException;
import java.io.Serializable;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.TensorParallel;
import org.lomospark.trainer.recipe.Recipe;

/**
 * A distributed LOMO training run over a prepared output: the {@link Recipe} and what the pipeline adds to it,
 * serializable so it travels with each barrier task.
 *
 * @param recipe the model, hyper-parameters, runtime and data layout; its data source is a prepare job's output
 *               (any Hadoop path), shard {@code s} read by data-parallel rank {@code s mod dp}, and its device
 *               {@code cpu} (Gloo, {@code spark.task.cpus} threads) or {@code cuda} (each task on the GPU Spark
 *               assigned it, {@code spark.task.resource.gpu.amount=1}, NCCL between them)
 * @param checkpoints where the run's checkpoints go (any Hadoop path) and where a retry resumes from
 * @param padId the tokenizer's pad id (right padding carries no loss)
 * @param failOnceAtStep 0, or a step at which the stage's first attempt fails on its last rank: a resume drill
 * @param heldOut where a validation loss is measured and how often, or null for none
 */
public record TrainSpec(Recipe recipe, String checkpoints, int padId, long failOnceAtStep, HadoopSettings hadoop,
                        HeldOutLoss.Spec heldOut) implements Serializable {
    private static final long serialVersionUID = 2L;

    public TrainSpec {
        check(recipe);
        if (failOnceAtStep < 0) {
            throw new IllegalArgumentException("fail-once-at-step " + failOnceAtStep + " must be 0 (off) or a step");
        }
    }

    /**
     * What the training stage needs of a recipe beyond its own checks, for the driver to check before anything
     * runs: a fused optimizer (the baselines are the standalone trainer's, for its bench), and a device without an
     * index (each task takes the GPU Spark assigned it).
     */
    public static void check(Recipe recipe) {
        recipe.runtime().requireUnindexedDevice("the training stage (each task takes the GPU Spark assigned it)");
        LlamaConfig model;
        try {
            model = recipe.model().config();
        } catch (IOException e) {
            throw new IllegalArgumentException("model " + recipe.model().preset() + ": " + e.getMessage(), e);
        }
        try {
            TensorParallel.requireSplits(model, recipe.runtime().tp());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (tp " + recipe.runtime().tp() + ", model "
                    + recipe.model().preset() + ")", e);
        }
        if (!recipe.hyper().optimizer().fused()) {
            throw new IllegalArgumentException("optimizer " + recipe.hyper().optimizer().settingName() + " is a "
                    + "full-backward baseline of the standalone trainer's bench; the training stage runs lomo or "
                    + "adalomo");
        }
    }

    /** Without the resume drill and without a validation loss. */
    public TrainSpec(Recipe recipe, String checkpoints, int padId, HadoopSettings hadoop) {
        this(recipe, checkpoints, padId, 0, hadoop, null);
    }

    /** Without a validation loss. */
    public TrainSpec(Recipe recipe, String checkpoints, int padId, long failOnceAtStep, HadoopSettings hadoop) {
        this(recipe, checkpoints, padId, failOnceAtStep, hadoop, null);
    }

    /** With the validation loss of a prepared output's eval table every {@code every} steps. */
    public TrainSpec withHeldOut(String evalTable, String split, int every, int batch) {
        return new TrainSpec(recipe, checkpoints, padId, failOnceAtStep, hadoop,
                new HeldOutLoss.Spec(evalTable, split, every, batch));
    }

    /** The prepared output the ranks read. */
    public String prepared() {
        return recipe.data().source();
    }

    public int world() {
        return recipe.runtime().world();
    }
}
