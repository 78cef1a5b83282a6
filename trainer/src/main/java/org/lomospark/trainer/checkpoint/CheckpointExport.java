package org.lomospark.trainer.checkpoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.io.LocalFiles;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Tensors;

/**
 * A committed {@link ShardedCheckpoints} step as one Hugging Face model directory: the tensor-parallel slices of
 * the first data-parallel replica (world ranks {@code 0 .. tp-1}) joined back into whole tensors by each rank's
 * {@code slices.json}, written as {@code config.json} plus sharded safetensors with an index.
 *
 * <pre>
 * CheckpointExport.export(store, 300, Path.of("out/model"));   // then LlamaModel.load / transformers
 * </pre>
 */
public final class CheckpointExport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SHARD_BYTES = 2L << 30;

    private CheckpointExport() {}

    /** Writes the model of checkpoint {@code step} into {@code out} (created); throws naming a missing piece. */
    public static void export(CheckpointStore store, long step, Path out) throws IOException {
        String dir = ShardedCheckpoints.stepDir(step);
        if (!store.exists(dir + "/" + ShardedCheckpoints.MANIFEST)) {
            throw new IOException(store.describe(dir) + " is not a committed checkpoint (no manifest)");
        }
        JsonNode manifest = JSON.readTree(store.readString(dir + "/" + ShardedCheckpoints.MANIFEST));
        int tp = manifest.path("tp").asInt();
        Path local = Files.createTempDirectory("lomo-export-");
        try (PointerScope scope = new PointerScope()) {
            List<Path> ranks = new ArrayList<>();
            for (int r = 0; r < tp; r++) {
                String prefix = dir + "/" + ShardedCheckpoints.rankDir(r) + "/";
                Path rankDir = local.resolve(ShardedCheckpoints.rankDir(r));
                for (JsonNode f : manifest.path("files")) {
                    String path = f.path("path").asText();
                    if (path.startsWith(prefix) && !path.endsWith("optimizer.safetensors")) {
                        Path target = rankDir.resolve(path.substring(prefix.length()));
                        Files.createDirectories(target.getParent());
                        if (!store.download(path, target).equals(f.path("sha256").asText())) {
                            throw new IOException(store.describe(path) + ": SHA-256 differs from the manifest");
                        }
                    }
                }
                ranks.add(rankDir);
            }
            Map<String, Tensor> whole = join(ranks);
            Files.createDirectories(out);
            Files.copy(ranks.get(0).resolve("config.json"), out.resolve("config.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            // from the config, so a checkpoint written before generation_config.json existed exports one too
            Files.writeString(out.resolve(LlamaConfig.GENERATION_CONFIG),
                    LlamaConfig.fromJson(out.resolve("config.json")).generationConfigJson());
            HfCheckpoint.save(out, whole, SHARD_BYTES);
            Native.closeAll(whole.values());
        } finally {
            LocalFiles.deleteTree(local);
        }
    }

    /** Every tensor whole: a replicated one from rank 0, a split one from every rank's part. */
    private static Map<String, Tensor> join(List<Path> ranks) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<HfCheckpoint> parts = new ArrayList<>();
        List<JsonNode> slices = new ArrayList<>();
        try {
            for (Path r : ranks) {
                parts.add(HfCheckpoint.open(r));
                Path s = r.resolve(ShardedCheckpoints.SLICES);
                if (!Files.exists(s)) {
                    throw new IOException(s + " is missing: the checkpoint predates tensor-parallel export");
                }
                slices.add(JSON.readTree(s.toFile()));
            }
            for (Iterator<String> names = slices.get(0).fieldNames(); names.hasNext(); ) {
                String name = names.next();
                JsonNode first = slices.get(0).get(name);
                if (first.path("dim").asInt() < 0) {
                    out.put(name, Native.keep(parts.get(0).read(name)));
                    continue;
                }
                long[] shape = new long[first.path("full_shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = first.path("full_shape").get(i).asLong();
                }
                int dim = first.path("dim").asInt();
                try (PointerScope scope = new PointerScope()) {
                    Tensor stored = parts.get(0).read(name);
                    Tensor full = Tensors.empty(Tensors.options(stored.scalar_type().intern()), shape);
                    long covered = 0;
                    for (int r = 0; r < parts.size(); r++) {
                        JsonNode s = slices.get(r).get(name);
                        long from = s.path("from").asLong();
                        long to = s.path("to").asLong();
                        full.narrow(dim, from, to - from).copy_(r == 0 ? stored : parts.get(r).read(name));
                        covered += to - from;
                    }
                    if (covered != shape[dim]) {
                        throw new IOException(name + ": the ranks' slices cover " + covered + " of " + shape[dim]
                                + " along dim " + dim);
                    }
                    out.put(name, Native.keep(full));
                }
            }
            return out;
        } finally {
            parts.forEach(HfCheckpoint::close);
        }
    }
}
