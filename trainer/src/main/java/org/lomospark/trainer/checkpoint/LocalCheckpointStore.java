package org.lomospark.trainer.checkpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.lomospark.trainer.io.LocalFiles;

/** A {@link CheckpointStore} in a local directory; each file is written under a temporary name and moved. */
public final class LocalCheckpointStore implements CheckpointStore {
    private final Path root;

    public LocalCheckpointStore(Path root) {
        this.root = root;
    }

    private Path resolve(String path) {
        Path p = root.resolve(path).normalize();
        if (!p.startsWith(root.normalize())) {
            throw new IllegalArgumentException("path '" + path + "' leaves the store at " + root);
        }
        return p;
    }

    @Override
    public String write(InputStream in, String path) throws IOException {
        Path target = resolve(path);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            String sha;
            try (OutputStream out = Files.newOutputStream(tmp)) {
                sha = CheckpointStore.copyHashing(in, out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return sha;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public InputStream open(String path) throws IOException {
        return Files.newInputStream(resolve(path));
    }

    @Override
    public boolean exists(String path) {
        return Files.exists(resolve(path));
    }

    @Override
    public List<String> children(String dir) throws IOException {
        Path d = resolve(dir);
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Override
    public void delete(String path) throws IOException {
        LocalFiles.deleteTree(resolve(path));
    }

    @Override
    public String describe(String path) {
        return resolve(path).toString();
    }
}
