package org.lomospark.trainer.checkpoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.io.LocalFiles;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.model.Slice;
import org.lomospark.trainer.optim.FusedOptimizer;

/**
 * One checkpoint per step for all ranks of a {@code dp x tp} run, in a {@link CheckpointStore} (object storage
 * included): every rank writes its own shard, and rank 0 writes the manifest last, which is the commit.
 *
 * <pre>
 * step-00000100/rank-00000/...        this rank's weights (a Hugging Face directory of its slices), optimizer
 * step-00000100/rank-00000/files.json   state and {@code state.json}, and the list of them with SHA-256
 * step-00000100/manifest.json          written by rank 0 after every rank's files.json: step, layout, every file
 * </pre>
 *
 * <p>A step directory without a manifest is an interrupted save and is never read; the previous checkpoint stays
 * the newest. After a commit rank 0 keeps the newest {@code keepLast} committed checkpoints and removes the rest
 * and any interrupted ones. A restore checks the layout (world, dp, tp) and the SHA-256 of every file it reads.
 *
 * <pre>
 * Checkpointer c = new ShardedCheckpoints(store, mesh, distributed.world(), 3);
 * new TrainLoop(model, step, optimizer, null, data, schedule, new TrainLoop.Plan(100, 1, 10, 25, c, null), out).run();
 * </pre>
 */
public final class ShardedCheckpoints implements Checkpointer {
    static final String MANIFEST = "manifest.json";
    private static final String FILES = "files.json";
    static final String SLICES = "slices.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CheckpointStore store;
    private final Mesh mesh;
    private final Group world;
    private final int keepLast;

    /** @param world the group of every rank (its barrier orders the commit) */
    public ShardedCheckpoints(CheckpointStore store, Mesh mesh, Group world, int keepLast) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast " + keepLast + " must be at least 1");
        }
        if (world.size() != mesh.world()) {
            throw new IllegalArgumentException("group of " + world.size() + " ranks for a mesh of " + mesh.world());
        }
        this.store = store;
        this.mesh = mesh;
        this.world = world;
        this.keepLast = keepLast;
    }

    static String stepDir(long step) {
        return TrainingState.dirName(step);
    }

    static String rankDir(int rank) {
        return String.format(Locale.ROOT, "rank-%05d", rank);
    }

    @Override
    public String save(TrainingState state, LlamaModel model, FusedOptimizer optimizer) throws IOException {
        String step = stepDir(state.step());
        String mine = step + "/" + rankDir(mesh.rank());
        Path local = Files.createTempDirectory("lomo-ckpt-");
        try {
            Path written = state.save(local, model, optimizer);
            Files.writeString(written.resolve(SLICES), slices(model).toPrettyString());
            ArrayNode files = JSON.createArrayNode();
            for (Path f : regularFiles(written)) {
                String name = written.relativize(f).toString().replace('\\', '/');
                ObjectNode entry = files.addObject();
                entry.put("path", mine + "/" + name);
                entry.put("bytes", Files.size(f));
                entry.put("sha256", store.upload(f, mine + "/" + name));
            }
            store.writeString(mine + "/" + FILES, files.toPrettyString());
        } finally {
            LocalFiles.deleteTree(local);
        }
        world.barrier(); // every rank's files are in
        if (mesh.rank() == 0) {
            commit(state, step);
        }
        world.barrier(); // the manifest is in: every rank returns with the checkpoint committed
        return store.describe(step);
    }

    /** Which part of each whole tensor this rank holds: {@code {"name": {"dim": 0, "from": 0, "to": 64,
     * "full_shape": [128, 32]}}}, dim -1 for a whole tensor. What {@link CheckpointExport} joins by. */
    private static ObjectNode slices(LlamaModel model) {
        ObjectNode out = JSON.createObjectNode();
        for (String name : model.namedParameters().keySet()) {
            Slice s = model.slice(name);
            ObjectNode e = out.putObject(name);
            e.put("dim", s.isWhole() ? -1 : s.dim());
            e.put("from", s.isWhole() ? 0 : s.from());
            e.put("to", s.isWhole() ? 0 : s.to());
            ArrayNode shape = e.putArray("full_shape");
            for (long d : s.fullShape()) {
                shape.add(d);
            }
        }
        return out;
    }

    private void commit(TrainingState state, String step) throws IOException {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("step", state.step());
        manifest.put("data_position", state.dataPosition());
        manifest.put("world", mesh.world());
        manifest.put("dp", mesh.dp());
        manifest.put("tp", mesh.tp());
        ArrayNode all = manifest.putArray("files");
        for (int r = 0; r < mesh.world(); r++) {
            String list = step + "/" + rankDir(r) + "/" + FILES;
            if (!store.exists(list)) {
                throw new IOException("rank " + r + " wrote no " + store.describe(list) + "; not committing " + step);
            }
            JSON.readTree(store.readString(list)).forEach(all::add);
        }
        store.writeString(step + "/" + MANIFEST, manifest.toPrettyString());
        prune(state.step());
    }

    /** Keeps the newest {@code keepLast} committed checkpoints; removes older ones and interrupted saves. */
    private void prune(long current) throws IOException {
        List<String> committed = new ArrayList<>();
        for (String name : steps()) {
            if (store.exists(name + "/" + MANIFEST)) {
                committed.add(name);
            } else if (name.compareTo(stepDir(current)) < 0) {
                store.delete(name);
            }
        }
        for (int i = 0; i < committed.size() - keepLast; i++) {
            store.delete(committed.get(i));
        }
    }

    /** Step directory names, oldest first. */
    private List<String> steps() throws IOException {
        return steps(store);
    }

    private static List<String> steps(CheckpointStore store) throws IOException {
        return store.children("").stream().filter(n -> n.matches("step-\\d{8}")).sorted().toList();
    }

    /** The newest committed step, if any. */
    public Optional<Long> latestStep() throws IOException {
        return latestStep(store);
    }

    /** The newest step committed in {@code store}, if any; needs no ranks (say, for a driver deciding to train). */
    public static Optional<Long> latestStep(CheckpointStore store) throws IOException {
        List<String> names = steps(store);
        for (int i = names.size() - 1; i >= 0; i--) {
            if (store.exists(names.get(i) + "/" + MANIFEST)) {
                return Optional.of(Long.parseLong(names.get(i).substring("step-".length())));
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<TrainingState> restoreLatest(LlamaModel model, FusedOptimizer optimizer) throws IOException {
        Optional<Long> latest = latestStep();
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        String step = stepDir(latest.get());
        JsonNode manifest = JSON.readTree(store.readString(step + "/" + MANIFEST));
        if (manifest.path("dp").asInt() != mesh.dp() || manifest.path("tp").asInt() != mesh.tp()) {
            throw new IOException(store.describe(step) + " was written by dp " + manifest.path("dp").asInt()
                    + " x tp " + manifest.path("tp").asInt() + "; this run is dp " + mesh.dp() + " x tp "
                    + mesh.tp() + " (export the checkpoint, or run with the same layout)");
        }
        String prefix = step + "/" + rankDir(mesh.rank()) + "/";
        Path local = Files.createTempDirectory("lomo-restore-");
        try {
            Path dir = local.resolve(step);
            for (JsonNode f : manifest.path("files")) {
                String path = f.path("path").asText();
                if (!path.startsWith(prefix)) {
                    continue;
                }
                Path target = dir.resolve(path.substring(prefix.length()));
                Files.createDirectories(target.getParent());
                String sha = store.download(path, target);
                if (!sha.equals(f.path("sha256").asText())) {
                    throw new IOException(store.describe(path) + ": SHA-256 " + sha + " but the manifest says "
                            + f.path("sha256").asText() + "; the checkpoint is damaged");
                }
            }
            return Optional.of(TrainingState.restore(dir, model, optimizer));
        } finally {
            LocalFiles.deleteTree(local);
        }
    }

    private static List<Path> regularFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
