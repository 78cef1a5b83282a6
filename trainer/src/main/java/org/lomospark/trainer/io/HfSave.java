package org.lomospark.trainer.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/** {@link HfCheckpoint#save}: shard planning, the write order that keeps readers safe, and cleanup. */
final class HfSave {
    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
    /** What transformers writes into every shard; some loaders check it. */
    private static final Map<String, String> SHARD_METADATA = Map.of("format", "pt");

    private HfSave() {}

    static void save(Path dir, Map<String, Tensor> tensors, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        // Plan first: an unsupported dtype must fail before the old checkpoint is touched.
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long currentBytes = 0;
        long totalBytes = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = SafetensorsWriter.layout(dir, e.getKey(), e.getValue(), 0).byteCount();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
            totalBytes += bytes;
        }
        shards.add(current);
        try {
            Files.createDirectories(dir);
            // Un-commit the old checkpoint: its index must not survive over a mix of old and new shards.
            Files.deleteIfExists(dir.resolve(HfIndex.FILE));
        } catch (IOException e) {
            throw new SafetensorsException(dir, "cannot prepare the directory: " + e, e);
        }
        if (shards.size() == 1) {
            SafetensorsWriter.write(dir.resolve(HfCheckpoint.SINGLE), shards.get(0), SHARD_METADATA);
            deleteStale(dir, Set.of(HfCheckpoint.SINGLE));
            return;
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            // Locale.ROOT: some locales format digits that are not ASCII.
            String shard = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafetensorsWriter.write(dir.resolve(shard), shards.get(i), SHARD_METADATA);
            shards.get(i).keySet().forEach(name -> weightMap.put(name, shard));
        }
        // The commit: a reader that finds this index finds every shard it names complete.
        HfIndex.write(dir.resolve(HfIndex.FILE), totalBytes, weightMap);
        deleteStale(dir, Set.copyOf(weightMap.values()));
    }

    /** Deletes weight files of an earlier save that are not in {@code keep}; other files stay. */
    private static void deleteStale(Path dir, Set<String> keep) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if ((name.equals(HfCheckpoint.SINGLE) || SHARD.matcher(name).matches()) && !keep.contains(name)) {
                    Files.delete(f);
                }
            }
        } catch (IOException e) {
            throw new SafetensorsException(dir, "cannot delete weights of an earlier save: " + e, e);
        }
    }
}
