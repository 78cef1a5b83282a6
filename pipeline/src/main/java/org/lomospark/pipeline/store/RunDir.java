package org.lomospark.pipeline.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * A run's directory on any Hadoop filesystem: the pipeline's run directory, or a fine-tuner's checkpointDir.
 * Spark jobs write straight into it (the export too, through {@link ModelDirectory}); what the driver writes
 * itself (the bundled input, metrics.jsonl, loss.png, eval.json) is made in a local directory first and, when
 * the run directory is not local, copied to it.
 */
public final class RunDir {
    private final String root;
    private final FileSystem fs;
    /** The driver's copy: the run directory itself when local, else a temporary directory of this value's own. */
    private Path local;

    private RunDir(String root, FileSystem fs, Path local) {
        this.root = root;
        this.fs = fs;
        this.local = local;
    }

    public static RunDir open(String root, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root);
        FileSystem fs = p.getFileSystem(conf);
        String qualified = fs.makeQualified(p).toString();
        // a remote run directory's copy is made on first use, fresh: files another run left there never mix in
        Path local = "file".equals(fs.getScheme()) ? Path.of(fs.makeQualified(p).toUri()) : null;
        // nothing is created until something is written: a run that fails its checks leaves no directory
        return new RunDir(qualified, fs, local);
    }

    /** {@code child} in the run directory, as a Hadoop path string. */
    public String path(String child) {
        return root + "/" + child;
    }

    public boolean exists(String child) throws IOException {
        return fs.exists(new org.apache.hadoop.fs.Path(path(child)));
    }

    public boolean isLocal() {
        return "file".equals(fs.getScheme());
    }

    /** Where the driver writes {@code child} before {@link #publish}: the run directory itself when it is local. */
    public synchronized Path local(String child) throws IOException {
        if (local == null) {
            local = Files.createTempDirectory("lomo-spark-run-");
        }
        Files.createDirectories(local);
        return local.resolve(child);
    }

    /** Copies the driver's {@code child} (a file or a directory) into a non-local run directory. */
    public void publish(String child) throws IOException {
        if (!isLocal()) {
            fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local(child).toUri()),
                    new org.apache.hadoop.fs.Path(path(child)));
        }
    }

    /** Brings {@code child} from a non-local run directory to the driver's copy, if it is there. */
    public void fetch(String child) throws IOException {
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
