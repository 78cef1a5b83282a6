package org.lomospark.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.io.LocalFiles;
import org.lomospark.trainer.io.SafetensorsFile;
import org.lomospark.trainer.io.SafetensorsWriter;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.DynamicLossScaler;
import org.lomospark.trainer.optim.FusedOptimizer;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Everything a resumed run needs to continue exactly as an uninterrupted one: weights (a Hugging Face
 * directory), optimizer state, step, the next data position, loss-scaler state and the torch RNG state.
 *
 * <p>A checkpoint is a directory {@code step-NNNNNNNN} under the run directory. It is written under a temporary
 * name and renamed into place, with {@code state.json} written last inside it, so a crash mid-write leaves the
 * previous checkpoint the newest complete one; the next start removes the temporary directory
 * ({@link #removeInterrupted}).
 */
public record TrainingState(long step, long dataPosition, DynamicLossScaler.State scaler) {
    private static final String STATE = "state.json";
    private static final String OPTIMIZER = "optimizer.safetensors";
    private static final long SHARD_BYTES = 2L << 30;

    /** A checkpoint's directory name, {@code step-NNNNNNNN}: the one spelling of it, local, sharded and exported. */
    public static String dirName(long step) {
        return String.format(Locale.ROOT, "step-%08d", step);
    }

    /** Writes a checkpoint and returns its directory. */
    public Path save(Path runDir, LlamaModel model, FusedOptimizer optimizer) throws IOException {
        Files.createDirectories(runDir);
        String name = dirName(step);
        Path tmp = Files.createTempDirectory(runDir, "." + name + ".tmp-");
        model.config().writeTo(tmp, model.placement().torchDtypeName());
        HfCheckpoint.save(tmp, model.namedParameters(), SHARD_BYTES);
        Map<String, Tensor> opt = optimizer == null ? Map.of() : optimizer.state();
        try {
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER), opt, Map.of());
        } finally {
            Native.closeAll(opt.values());
        }
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("step", step);
        json.put("data_position", dataPosition);
        if (scaler != null) {
            json.put("loss_scale", scaler.scale());
            json.put("clean_steps", scaler.cleanSteps());
        }
        try (Tensor rng = torch.getDefaultCPUGenerator().get_state()) {
            json.put("cpu_rng", Base64.getEncoder().encodeToString(Tensors.toBytes(rng)));
        }
        Files.writeString(tmp.resolve(STATE), json.toPrettyString()); // last: marks the directory complete
        Path target = runDir.resolve(name);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /**
     * Deletes the {@code .step-NNNNNNNN.tmp-*} directories under {@code runDir}: saves killed before their rename,
     * never read and never finished. Only at a start, when no save of this run is under way.
     */
    static void removeInterrupted(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            return;
        }
        List<Path> interrupted;
        try (Stream<Path> s = Files.list(runDir)) {
            interrupted = s.filter(p -> p.getFileName().toString().matches("\\.step-\\d{8}\\.tmp-.*"))
                    .filter(Files::isDirectory).toList();
        }
        for (Path p : interrupted) {
            LocalFiles.deleteTree(p);
        }
    }

    /** The newest complete checkpoint under {@code runDir}, if any. */
    public static Optional<Path> latest(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(runDir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{8}"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        }
    }

    /**
     * Reads a checkpoint's state, copies its weights into {@code model} and its statistics into
     * {@code optimizer}, and restores the torch RNG.
     */
    public static TrainingState restore(Path dir, LlamaModel model, FusedOptimizer optimizer) throws IOException {
        JsonNode json = new ObjectMapper().readTree(dir.resolve(STATE).toFile());
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir); NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                try (Tensor stored = ckpt.read(e.getKey())) {
                    e.getValue().copy_(stored);
                }
            }
        }
        if (optimizer != null) {
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(OPTIMIZER))) {
                Map<String, Tensor> state = new LinkedHashMap<>();
                for (String n : f.names()) {
                    state.put(n, f.read(n));
                }
                try {
                    optimizer.loadState(state);
                } finally {
                    Native.closeAll(state.values());
                }
            }
        }
        byte[] rng = Base64.getDecoder().decode(json.get("cpu_rng").asText());
        try (Tensor t = Tensors.fromBytes(rng)) {
            torch.getDefaultCPUGenerator().set_state(t);
        }
        DynamicLossScaler.State scaler = json.has("loss_scale")
                ? new DynamicLossScaler.State(json.get("loss_scale").asDouble(), json.get("clean_steps").asInt()) : null;
        return new TrainingState(json.get("step").asLong(), json.get("data_position").asLong(), scaler);
    }
}
