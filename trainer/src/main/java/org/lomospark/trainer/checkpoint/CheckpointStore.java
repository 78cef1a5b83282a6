package org.lomospark.trainer.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Where a run's checkpoints live: a local directory ({@link LocalCheckpointStore}) or any Hadoop filesystem
 * ({@code s3a://}, {@code hdfs://}; in the pipeline module). Paths are relative to the store's root and
 * {@code /}-separated. Files are written whole from a local file and read back into one, which is what an object
 * store offers anyway; nothing here relies on an atomic rename.
 */
public interface CheckpointStore {
    /** Writes {@code in} whole to {@code path}, replacing what is there; returns the SHA-256 of the bytes. */
    String write(InputStream in, String path) throws IOException;

    /** Reads {@code path}; the caller closes the stream. */
    InputStream open(String path) throws IOException;

    /** Copies {@code local} to {@code path}, replacing what is there; returns the SHA-256 of the bytes sent. */
    default String upload(Path local, String path) throws IOException {
        try (InputStream in = Files.newInputStream(local)) {
            return write(in, path);
        }
    }

    /** Copies {@code path} to {@code local}; returns the SHA-256 of the bytes received. */
    default String download(String path, Path local) throws IOException {
        try (InputStream in = open(path); OutputStream out = Files.newOutputStream(local)) {
            return copyHashing(in, out);
        }
    }

    /** Writes a small text file whole. */
    default void writeString(String path, String text) throws IOException {
        write(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), path);
    }

    default String readString(String path) throws IOException {
        try (InputStream in = open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    boolean exists(String path) throws IOException;

    /** The names directly under {@code dir} (files and directories), or none when it does not exist. */
    List<String> children(String dir) throws IOException;

    /** Deletes {@code path} and everything under it; nothing when it does not exist. */
    void delete(String path) throws IOException;

    /** The full location of {@code path}, for messages. */
    String describe(String path);

    /** Copies {@code in} to {@code out} whole and returns the SHA-256 of the bytes, hex; closes neither. */
    static String copyHashing(InputStream in, OutputStream out) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        new DigestInputStream(in, sha).transferTo(out);
        return HexFormat.of().formatHex(sha.digest());
    }
}
