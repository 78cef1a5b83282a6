package org.lomospark.pipeline.store;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.trainer.checkpoint.CheckpointExport;
import org.lomospark.trainer.checkpoint.CheckpointStore;
import org.lomospark.trainer.io.LocalFiles;

/**
 * A model as a Hugging Face directory on any Hadoop filesystem: {@code config.json}, the safetensors and, for a
 * Hugging Face tokenizer, its files, so the directory alone scores, saves and loads (and transformers reads it).
 * {@code config.json} is written last: a directory with it is complete. The pipeline's {@code export} and the
 * fitted Spark ML model both write through it.
 *
 * <pre>
 * String model = ModelDirectory.export(store, 600, "s3a://bucket/runs/x/model", tokenizerDirOrNull, conf);
 * </pre>
 */
public final class ModelDirectory {
    public static final String CONFIG = "config.json";
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model");

    private ModelDirectory() {}

    /**
     * Exports checkpoint {@code step} of {@code store} into {@code target} (qualified, returned) with the
     * tokenizer's files from {@code tokenizerDir}, or for the byte tokenizer (null) its Hugging Face description
     * ({@link ByteTokenizer#writeHuggingFaceFiles}); an already complete {@code target} is kept.
     */
    public static String export(CheckpointStore store, long step, String target, String tokenizerDir, Configuration conf)
            throws IOException {
        Path out = new Path(target);
        FileSystem fs = out.getFileSystem(conf);
        out = fs.makeQualified(out);
        if (fs.exists(new Path(out, CONFIG))) {
            return out.toString();
        }
        java.nio.file.Path local = Files.createTempDirectory("lomo-fit-model-");
        try {
            CheckpointExport.export(store, step, local);
            if (tokenizerDir == null) {
                ByteTokenizer.writeHuggingFaceFiles(local); // the byte tokenizer, as files a user can load
            } else {
                Path from = new Path(tokenizerDir);
                FileSystem tfs = from.getFileSystem(conf);
                for (String name : TOKENIZER_FILES) {
                    if (tfs.exists(new Path(from, name))) {
                        tfs.copyToLocalFile(false, new Path(from, name),
                                new Path(local.resolve(name).toUri()), true);
                    }
                }
            }
            List<java.nio.file.Path> files;
            try (Stream<java.nio.file.Path> s = Files.list(local)) {
                files = new ArrayList<>(s.sorted(Comparator.comparing(p -> p.getFileName().toString().equals(CONFIG)))
                        .toList());
            }
            for (java.nio.file.Path f : files) {
                fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(out, f.getFileName().toString()));
            }
            return out.toString();
        } finally {
            LocalFiles.deleteTree(local);
        }
    }

    /**
     * Whether {@code location} names a Hadoop filesystem ({@code s3a://}, {@code hdfs://}, {@code file:}) rather
     * than a plain local path, which each executor reads from its own disk.
     */
    public static boolean isHadoopPath(String location) {
        return location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") && !location.matches("^[a-zA-Z]:[\\\\/].*");
    }

    /**
     * Copies the files of the model directory {@code dir} (any Hadoop filesystem) into the local {@code local}:
     * how a task reads a base model or a checkpoint kept on an object store.
     */
    public static void fetch(String dir, java.nio.file.Path local, Configuration conf) throws IOException {
        Path from = new Path(dir);
        FileSystem fs = from.getFileSystem(conf);
        for (FileStatus f : fs.listStatus(from)) {
            if (f.isFile()) {
                fs.copyToLocalFile(false, f.getPath(),
                        new Path(local.resolve(f.getPath().getName()).toUri()), true);
            }
        }
    }

    /** Copies the model directory {@code from} to {@code to} (any two Hadoop filesystems), config.json last. */
    public static void copy(String from, String to, Configuration conf) throws IOException {
        Path src = new Path(from);
        Path dst = new Path(to);
        FileSystem sfs = src.getFileSystem(conf);
        FileSystem dfs = dst.getFileSystem(conf);
        if (!sfs.exists(new Path(src, CONFIG))) {
            throw new IOException(from + " is not a model directory (no " + CONFIG + ")");
        }
        dfs.mkdirs(dst);
        List<FileStatus> files = new ArrayList<>(List.of(sfs.listStatus(src)));
        files.sort(Comparator.comparing(f -> f.getPath().getName().equals(CONFIG)));
        for (FileStatus f : files) {
            if (f.isFile() && !FileUtil.copy(sfs, f.getPath(), dfs, new Path(dst, f.getPath().getName()), false,
                    true, conf)) {
                throw new IOException("could not copy " + f.getPath() + " to " + dst);
            }
        }
    }
}
