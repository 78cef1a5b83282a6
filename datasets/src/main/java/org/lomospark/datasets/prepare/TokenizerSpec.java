package org.lomospark.datasets.prepare;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.datasets.tokenize.HfTokenizer;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * Which tokenizer a prepare job uses: the byte-level one, or a Hugging Face tokenizer directory
 * ({@code tokenizer.json}, optionally {@code tokenizer_config.json}) on any Hadoop filesystem.
 *
 * <p>The driver reads the files once ({@link #load}); Spark broadcasts the bytes, and each executor JVM builds
 * one tokenizer from them on first use and keeps it for its lifetime ({@link Loaded#tokenizer()}), however many
 * partitions it runs.
 *
 * <pre>
 * TokenizerSpec.parse("byte");                        // the demo model's 259-id byte tokenizer
 * TokenizerSpec.parse("s3a://models/llama-2-7b");     // tokenizer.json and tokenizer_config.json there
 * </pre>
 *
 * @param huggingFaceDir the directory holding {@code tokenizer.json}, or null for the byte tokenizer
 */
public record TokenizerSpec(String huggingFaceDir) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final TokenizerSpec BYTE = new TokenizerSpec(null);
    static final String BYTE_NAME = "byte";

    /** One tokenizer per JVM and content, never closed: it lives as long as the executor. */
    private static final Map<String, Tokenizer> PER_JVM = new ConcurrentHashMap<>();

    public TokenizerSpec {
        if (huggingFaceDir != null && huggingFaceDir.isBlank()) {
            throw new IllegalArgumentException("tokenizer directory is blank");
        }
    }

    /** {@code "byte"}, or a directory path that holds {@code tokenizer.json}. */
    public static TokenizerSpec parse(String text) {
        return BYTE_NAME.equals(text) ? BYTE : new TokenizerSpec(text);
    }

    @Override
    public String toString() {
        return huggingFaceDir == null ? BYTE_NAME : huggingFaceDir;
    }

    /** The tokenizer itself, read through {@code conf} (for its special ids on the driver). */
    public org.lomospark.datasets.tokenize.Tokenizer open(Configuration conf) throws IOException {
        return load(conf).tokenizer();
    }

    /** On the driver: the files' bytes, to broadcast. Throws naming the file when one is missing or unreadable. */
    public Loaded load(Configuration conf) throws IOException {
        if (huggingFaceDir == null) {
            return new Loaded(BYTE_NAME, null, null);
        }
        Path dir = new Path(huggingFaceDir);
        FileSystem fs = dir.getFileSystem(conf);
        Path json = fs.makeQualified(new Path(dir, "tokenizer.json"));
        Path config = fs.makeQualified(new Path(dir, "tokenizer_config.json"));
        if (!fs.exists(json)) {
            throw new FileNotFoundException("tokenizer " + huggingFaceDir + ": no " + json);
        }
        Loaded loaded = new Loaded(json.toString(), read(fs, json), fs.exists(config) ? read(fs, config) : null);
        loaded.tokenizer(); // a broken file fails here, on the driver, once
        return loaded;
    }

    private static byte[] read(FileSystem fs, Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** A tokenizer's files, small enough to broadcast (a LLaMA-3 {@code tokenizer.json} is about 9 MB). */
    public static final class Loaded implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final byte[] json;
        private final byte[] config;
        private final String key;

        Loaded(String name, byte[] json, byte[] config) {
            this.name = name;
            this.json = json;
            this.config = config;
            this.key = json == null ? BYTE_NAME : sha256(json, config);
        }

        /** This JVM's tokenizer for these files, built on first use. */
        public Tokenizer tokenizer() {
            return PER_JVM.computeIfAbsent(key, k -> {
                if (json == null) {
                    return new ByteTokenizer();
                }
                try {
                    return HfTokenizer.load(json, config, name, name.replace("tokenizer.json",
                            "tokenizer_config.json"));
                } catch (IOException e) {
                    throw new UncheckedIOException(name + ": " + e.getMessage(), e);
                }
            });
        }

        private static String sha256(byte[] json, byte[] config) {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                d.update(json);
                if (config != null) {
                    d.update((byte) 0);
                    d.update(config);
                }
                return HexFormat.of().formatHex(d.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }
    }
}
