package org.lomospark.trainer.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * The weights of a Hugging Face checkpoint directory: {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}. Pickle files ({@code pytorch_model.bin}) are never read: loading
 * one can run arbitrary code. {@code config.json} is the model package's business.
 *
 * <pre>{@code
 * try (HfCheckpoint ckpt = HfCheckpoint.open(Path.of("Llama-3.2-1B"))) {
 *     for (String name : ckpt.names()) {
 *         try (Tensor w = ckpt.read(name)) { ... }
 *     }
 * }
 * HfCheckpoint.save(Path.of("out"), weights, 5L << 30);   // shards of at most 5 GiB
 * }</pre>
 */
public final class HfCheckpoint implements AutoCloseable {
    static final String SINGLE = "model.safetensors";

    private final Path dir;
    private final List<SafetensorsFile> shards;
    /** Tensor name to the shard holding it, in index order. */
    private final Map<String, SafetensorsFile> shardOf;

    private HfCheckpoint(Path dir, List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardOf) {
        this.dir = dir;
        this.shards = shards;
        this.shardOf = Collections.unmodifiableMap(shardOf);
    }

    /**
     * Opens the checkpoint in {@code dir}: every shard is opened and validated once, and the index must
     * agree with the shards (each tensor in the shard it names, no tensor in two shards).
     *
     * @throws SafetensorsException naming the directory, index or shard at fault
     */
    public static HfCheckpoint open(Path dir) {
        Path index = dir.resolve(HfIndex.FILE);
        if (Files.exists(index)) {
            return openSharded(dir, index);
        }
        Path single = dir.resolve(SINGLE);
        if (Files.exists(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> shardOf = new LinkedHashMap<>();
            file.names().forEach(name -> shardOf.put(name, file));
            return new HfCheckpoint(dir, List.of(file), shardOf);
        }
        if (Files.exists(dir.resolve("pytorch_model.bin"))
                || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
            throw new SafetensorsException(dir, "holds only pytorch_model.bin weights: pickle files are not"
                    + " loaded (unpickling can run arbitrary code); convert the checkpoint to safetensors");
        }
        throw new SafetensorsException(dir, "no " + SINGLE + " or " + HfIndex.FILE);
    }

    private static HfCheckpoint openSharded(Path dir, Path index) {
        Map<String, String> weightMap = HfIndex.readWeightMap(index);
        Map<String, SafetensorsFile> byShardName = new LinkedHashMap<>();
        try {
            weightMap.forEach((name, shard) -> {
                Path file = dir.resolve(shard);
                if (!byShardName.containsKey(shard)) {
                    if (!Files.isRegularFile(file)) {
                        throw new SafetensorsException(index, name, "shard " + shard + " does not exist");
                    }
                    byShardName.put(shard, SafetensorsFile.open(file));
                }
            });
            Map<String, String> holder = new HashMap<>();
            byShardName.forEach((shard, file) -> file.names().forEach(name -> {
                String other = holder.putIfAbsent(name, shard);
                if (other != null) {
                    throw new SafetensorsException(index, name, "is stored in both " + other + " and " + shard);
                }
            }));
            Map<String, SafetensorsFile> shardOf = new LinkedHashMap<>();
            weightMap.forEach((name, shard) -> {
                if (!shard.equals(holder.get(name))) {
                    throw new SafetensorsException(index, name,
                            "the index puts it in " + shard + ", which does not hold it");
                }
                shardOf.put(name, byShardName.get(shard));
            });
            return new HfCheckpoint(dir, List.copyOf(byShardName.values()), shardOf);
        } catch (RuntimeException e) {
            closeAll(byShardName.values(), e);
            throw e;
        }
    }

    /** Tensor names in index (or file) order. */
    public Set<String> names() {
        return shardOf.keySet();
    }

    /** The header entry of a tensor, from its shard. */
    public TensorInfo info(String name) {
        return shard(name).info(name);
    }

    /** Reads a whole tensor from its shard; see {@link SafetensorsFile#read}. */
    public Tensor read(String name) {
        return shard(name).read(name);
    }

    /** Reads a slice of a tensor from its shard; see {@link SafetensorsFile#readSlice}. */
    public Tensor readSlice(String name, int dim, long from, long to) {
        return shard(name).readSlice(name, dim, from, to);
    }

    private SafetensorsFile shard(String name) {
        SafetensorsFile file = shardOf.get(name);
        if (file == null) {
            throw new SafetensorsException(dir, name, "no such tensor in the checkpoint");
        }
        return file;
    }

    /** Closes every shard; tensors already read stay valid. */
    @Override
    public void close() {
        closeAll(shards, null);
    }

    private static void closeAll(Iterable<SafetensorsFile> files, RuntimeException pending) {
        RuntimeException failure = pending;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null && failure != pending) {
            throw failure;
        }
    }

    /**
     * Saves {@code tensors} (in map order) into {@code dir} as transformers does: one
     * {@code model.safetensors} when they fit in {@code maxShardBytes}, else shards
     * {@code model-00001-of-0000N.safetensors} filled in order up to that many tensor bytes (headers not
     * counted, as in transformers; a larger tensor gets a shard of its own) and
     * {@code model.safetensors.index.json}. Every shard has the metadata {@code {"format": "pt"}}.
     *
     * <p>A previous checkpoint in {@code dir} is replaced. Its index is deleted first and the new one is
     * written last, so a reader never finds an index over a mix of old and new shards; a crash in between
     * leaves the old single file, the new checkpoint, or no index (an error to open, never wrong weights).
     * Shards and single files the new checkpoint does not use are deleted after it is complete.
     *
     * @throws IllegalArgumentException if {@code maxShardBytes} is not positive
     * @throws SafetensorsException for a dtype outside {@link DType} or an I/O failure
     */
    public static void save(Path dir, Map<String, Tensor> tensors, long maxShardBytes) {
        HfSave.save(dir, tensors, maxShardBytes);
    }
}
