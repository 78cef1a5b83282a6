package org.lomospark.pipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * A run's directory on any Hadoop filesystem. Spark jobs write straight into it; what the driver writes itself
 * (the exported model, metrics.jsonl, loss.png, eval.json) is made in a local directory first and, when the run
 * directory is not local, published to it with the marker file last, so a reader never sees half of it.
 */
final class RunDir {
    private final String root;
    private final FileSystem fs;
    private final Path local;

    private RunDir(String root, FileSystem fs, Path local) {
        this.root = root;
        this.fs = fs;
        this.local = local;
    }

    static RunDir open(String root, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root);
        FileSystem fs = p.getFileSystem(conf);
        String qualified = fs.makeQualified(p).toString();
        Path local = "file".equals(fs.getScheme()) ? Path.of(fs.makeQualified(p).toUri())
                : Path.of(System.getProperty("java.io.tmpdir"), "lomo-spark",
                        Integer.toHexString(qualified.hashCode()));
        Files.createDirectories(local);
        return new RunDir(qualified, fs, local);
    }

    /** {@code child} in the run directory, as a Hadoop path string. */
    String path(String child) {
        return root + "/" + child;
    }

    boolean exists(String child) throws IOException {
        return fs.exists(new org.apache.hadoop.fs.Path(path(child)));
    }

    boolean isLocal() {
        return "file".equals(fs.getScheme());
    }

    /** Where the driver writes {@code child} before {@link #publish}: the run directory itself when it is local. */
    Path local(String child) {
        return local.resolve(child);
    }

    /**
     * Copies the driver's {@code child} (a file or a directory) into a non-local run directory, the file
     * {@code marker} of a directory last. Nothing to do when the run directory is local.
     */
    void publish(String child, String marker) throws IOException {
        if (isLocal()) {
            return;
        }
        Path from = local(child);
        if (Files.isRegularFile(from)) {
            fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(from.toUri()),
                    new org.apache.hadoop.fs.Path(path(child)));
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(from)) {
            files = s.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing((Path f) -> f.getFileName().toString().equals(marker)))
                    .toList();
        }
        for (Path f : files) {
            fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()),
                    new org.apache.hadoop.fs.Path(path(child + "/" + from.relativize(f))));
        }
    }

    /** Brings {@code child} from a non-local run directory to the driver's copy, if it is there. */
    void fetch(String child) throws IOException {
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(path(child));
        if (!isLocal() && fs.exists(remote)) {
            fs.copyToLocalFile(false, remote, new org.apache.hadoop.fs.Path(local(child).toUri()), true);
        }
    }

    @Override
    public String toString() {
        return root;
    }
}
