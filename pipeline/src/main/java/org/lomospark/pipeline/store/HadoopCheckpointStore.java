package org.lomospark.pipeline.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lomospark.trainer.checkpoint.CheckpointStore;

/**
 * A {@link CheckpointStore} on any Hadoop filesystem: {@code s3a://bucket/runs/x/checkpoints},
 * {@code hdfs://...}, {@code file:/...}. Each file is one {@code create} (an S3 object is visible whole or not at
 * all); nothing is renamed, because the checkpoint commit is its manifest, written last.
 *
 * <pre>
 * CheckpointStore store = new HadoopCheckpointStore("s3a://models/run-7/checkpoints", hadoopConf);
 * </pre>
 */
public final class HadoopCheckpointStore implements CheckpointStore {
    private final Path root;
    private final FileSystem fs;

    public HadoopCheckpointStore(String root, Configuration conf) throws IOException {
        Path r = new Path(root);
        this.fs = r.getFileSystem(conf);
        this.root = fs.makeQualified(r);
    }

    private Path resolve(String path) {
        if (path.contains("..")) {
            throw new IllegalArgumentException("path '" + path + "' may not contain '..'");
        }
        return path.isEmpty() ? root : new Path(root, path);
    }

    @Override
    public String write(InputStream in, String path) throws IOException {
        try (OutputStream out = fs.create(resolve(path), true)) {
            return CheckpointStore.copyHashing(in, out);
        }
    }

    @Override
    public InputStream open(String path) throws IOException {
        return fs.open(resolve(path));
    }

    @Override
    public boolean exists(String path) throws IOException {
        return fs.exists(resolve(path));
    }

    @Override
    public List<String> children(String dir) throws IOException {
        Path d = resolve(dir);
        if (!fs.exists(d)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (FileStatus s : fs.listStatus(d)) {
            out.add(s.getPath().getName());
        }
        out.sort(null);
        return out;
    }

    @Override
    public void delete(String path) throws IOException {
        Path p = resolve(path);
        if (fs.exists(p)) {
            fs.delete(p, true);
        }
    }

    @Override
    public String describe(String path) {
        return resolve(path).toString();
    }
}
