package org.lomospark.bench.prepare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The benchmarks' scratch folders: how big a job's output came out, and removing it before the next case.
 *
 * <pre>
 * long bytes = Trees.bytes(output);
 * Trees.delete(output);   // nothing to do when it does not exist
 * </pre>
 */
final class Trees {
    private Trees() {}

    /** The regular files' bytes under {@code dir}, 0 when it does not exist. */
    static long bytes(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
