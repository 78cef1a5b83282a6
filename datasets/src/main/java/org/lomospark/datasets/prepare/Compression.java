package org.lomospark.datasets.prepare;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.BZip2Codec;

/**
 * How an input file is compressed, told by its name's ending ({@code .gz}, {@code .bz2}, {@code .zst}).
 *
 * <p>Only uncompressed files are split into several tasks: a gzip or zstd stream can only be read from its start,
 * so such a file is one task however large. bzip2 is block-splittable in principle, but this reader does not
 * use it yet, so it is one task too. Ship a large corpus uncompressed, or as many compressed files.
 */
enum Compression {
    NONE(""),
    GZIP(".gz"),
    BZIP2(".bz2"),
    ZSTD(".zst");

    private final String suffix;

    Compression(String suffix) {
        this.suffix = suffix;
    }

    static Compression of(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        for (Compression c : values()) {
            if (c != NONE && lower.endsWith(c.suffix)) {
                return c;
            }
        }
        return NONE;
    }

    /** Whether one file may be read by several tasks, each from a byte offset. */
    boolean splittable() {
        return this == NONE;
    }

    /** The file name without this compression's ending: {@code a.jsonl} for {@code a.jsonl.gz}. */
    String strip(String name) {
        return name.substring(0, name.length() - suffix.length());
    }

    /** The decompressed bytes of {@code raw}, which this takes over (closing the result closes it). */
    InputStream open(InputStream raw) throws IOException {
        return switch (this) {
            case NONE -> raw;
            // concatenated gzip members (what `cat a.gz b.gz` and pigz give) are read as one stream
            case GZIP -> new GZIPInputStream(raw, 1 << 16);
            case BZIP2 -> {
                BZip2Codec codec = new BZip2Codec();
                codec.setConf(new Configuration(false));
                yield codec.createInputStream(new BufferedInputStream(raw, 1 << 16));
            }
            case ZSTD -> new ZstdInputStream(new BufferedInputStream(raw, 1 << 16));
        };
    }

    @Override
    public String toString() {
        return this == NONE ? "none" : name().toLowerCase(Locale.ROOT);
    }
}
