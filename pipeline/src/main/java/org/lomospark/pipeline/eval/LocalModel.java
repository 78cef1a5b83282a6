package org.lomospark.pipeline.eval;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.pipeline.store.HadoopSettings;
import org.lomospark.pipeline.store.ModelDirectory;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.io.LocalFiles;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Threads;
import org.lomospark.trainer.tensor.TorchLoader;

/**
 * Inside a Spark task: an exported Hugging Face model directory on any Hadoop filesystem, copied to local disk,
 * loaded at a placement (the CPU in fp32 with one libtorch thread, as Spark already runs one task per core; or the
 * task's GPU, {@link org.lomospark.pipeline.train.TaskDevice}), used, then freed with its local copy.
 *
 * <pre>{@code
 * List<Prediction> p = LocalModel.use("s3a://runs/x/model", hadoop, lm -> new CandidateScorer(lm, 32, pad)
 *         .predict(candidates));
 * }</pre>
 */
public final class LocalModel {
    private LocalModel() {}

    /** What a task does with the loaded model; its result must not hold the model's tensors. */
    @FunctionalInterface
    public interface Use<T> {
        T apply(LlamaModel model) throws IOException;
    }

    /** On the CPU in fp32. */
    public static <T> T use(String dir, HadoopSettings hadoop, Use<T> use) throws IOException {
        TorchLoader.load(false); // a host's executors start together: one at a time unpacks the natives
        return use(dir, hadoop, Placement.cpu(torch.ScalarType.Float), use);
    }

    public static <T> T use(String dir, HadoopSettings hadoop, Placement placement, Use<T> use) throws IOException {
        if (!placement.isCuda()) {
            Threads.set(1);
        }
        Path local = Files.createTempDirectory("lomo-model-");
        try (PointerScope scope = new PointerScope()) {
            ModelDirectory.fetch(dir, local, hadoop.configuration());
            try (HfCheckpoint ckpt = HfCheckpoint.open(local);
                 LlamaModel lm = LlamaModel.load(LlamaConfig.fromJson(local.resolve("config.json")),
                         placement, ckpt::read)) {
                return use.apply(lm);
            }
        } finally {
            LocalFiles.deleteTree(local);
        }
    }
}
