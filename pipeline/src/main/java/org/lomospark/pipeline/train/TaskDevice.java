package org.lomospark.pipeline.train;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.lomospark.trainer.tensor.Cuda;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.TorchLoader;

/**
 * Where a Spark task computes: the CPU, or the GPU Spark's resource scheduling assigned it (the task's {@code gpu}
 * resource), made the thread's current device. Training, checkpoint evaluation and scoring tasks all take their
 * device this way, so they never pick a GPU another task was given.
 *
 * <pre>
 * Placement at = TaskDevice.of(TaskContext.get(), "cuda", "bf16"); // cuda:3 when Spark gave this task GPU 3
 * </pre>
 */
public final class TaskDevice {
    private TaskDevice() {}

    /**
     * @param device {@code cpu} or {@code cuda}
     * @param dtype {@code f32} or {@code bf16}
     * @throws IllegalStateException on {@code cuda} when Spark gave the task no GPU, saying which settings do
     */
    public static Placement of(TaskContext ctx, String device, String dtype) {
        if (device.equals("cpu")) {
            TorchLoader.load(false); // a host's executors start together: one at a time unpacks the natives
            return Placement.parse("cpu", dtype);
        }
        ResourceInformation gpu = ctx.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            throw new IllegalStateException("device is cuda but Spark gave task " + ctx.partitionId() + " (stage "
                    + ctx.stageId() + ") no gpu: set spark.task.resource.gpu.amount=1 and the executors' gpu amount"
                    + " and discovery script (Spark's resource scheduling; local mode assigns none, local-cluster"
                    + " does: conf/gpu/local-cluster.conf)");
        }
        TorchLoader.load(true);
        Placement at = Placement.parse("cuda:" + gpu.addresses()[0], dtype);
        Cuda.useDevice(at);
        return at;
    }
}
