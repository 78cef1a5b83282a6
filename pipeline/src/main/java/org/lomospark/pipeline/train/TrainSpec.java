package org.lomospark.pipeline.train;

import java.io.Serializable;
import org.lomospark.pipeline.store.HadoopSettings;

/**
 * A distributed LOMO training run over a prepared output: what each barrier task needs, serializable so it
 * travels with the task.
 *
 * @param prepared    a prepare job's output (any Hadoop path); its trainer shards are the data, shard {@code s}
 *                    read by data-parallel rank {@code s mod dp}
 * @param checkpoints where the run's checkpoints go (any Hadoop path) and where a retry resumes from
 * @param model       a preset name ({@code tiny}, {@code llama-7b}, ...) or a local {@code config.json}
 * @param initFrom    a local Hugging Face checkpoint directory to start from, or null for random init by seed
 * @param batch       rows per micro-batch on each data-parallel rank
 * @param seq         tokens per row (longer examples fail: the prepare job's max length must fit)
 * @param threads     intra-op threads per task; 0 takes {@code spark.task.cpus}
 * @param padId       the tokenizer's pad id (right padding carries no loss)
 * @param failOnceAtStep 0, or a step at which the stage's first attempt fails on its last rank: a resume drill
 * @param device      {@code cpu} (Gloo, {@code spark.task.cpus} threads) or {@code cuda}: each task on the GPU Spark
 *                    assigned it ({@code spark.task.resource.gpu.amount=1}), NCCL between them
 * @param dtype       the weights' type: {@code f32}, or {@code bf16} (on GPUs)
 */
public record TrainSpec(String prepared, String checkpoints, String model, String initFrom, long seed, int dp,
                        int tp, long steps, int batch, int seq, int microBatches, String optimizer, double lr,
                        int warmup, double clipNorm, int saveEvery, int keepLast, int threads, int padId,
                        int rendezvousSeconds, long failOnceAtStep, HadoopSettings hadoop, String device,
                        String dtype) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** On the CPU in fp32. */
    public TrainSpec(String prepared, String checkpoints, String model, String initFrom, long seed, int dp, int tp,
                     long steps, int batch, int seq, int microBatches, String optimizer, double lr, int warmup,
                     double clipNorm, int saveEvery, int keepLast, int threads, int padId, int rendezvousSeconds,
                     long failOnceAtStep, HadoopSettings hadoop) {
        this(prepared, checkpoints, model, initFrom, seed, dp, tp, steps, batch, seq, microBatches, optimizer, lr,
                warmup, clipNorm, saveEvery, keepLast, threads, padId, rendezvousSeconds, failOnceAtStep, hadoop, "cpu",
                "f32");
    }

    public TrainSpec {
        if (dp < 1 || tp < 1) {
            throw new IllegalArgumentException("dp " + dp + " and tp " + tp + " must be at least 1");
        }
        if (steps < 1 || batch < 1 || seq < 2 || microBatches < 1) {
            throw new IllegalArgumentException("steps " + steps + ", batch " + batch + ", seq " + seq
                    + " and micro-batches " + microBatches + " must be positive (seq at least 2)");
        }
        if (!optimizer.equals("lomo") && !optimizer.equals("adalomo")) {
            throw new IllegalArgumentException("optimizer '" + optimizer + "' is not lomo or adalomo");
        }
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new IllegalArgumentException("device '" + device + "' is not cpu or cuda");
        }
        org.lomospark.trainer.tensor.Placement.dtypeOf(dtype); // throws naming a bad dtype
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast " + keepLast + " must be at least 1");
        }
    }

    public int world() {
        return dp * tp;
    }

    /** The model's shape: the preset, or the local {@code config.json} {@link #model()} names. */
    public org.lomospark.trainer.model.LlamaConfig modelConfig() throws java.io.IOException {
        return org.lomospark.trainer.model.LlamaConfig.of(model);
    }
}
