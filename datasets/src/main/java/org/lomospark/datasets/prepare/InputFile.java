package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.Locale;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * One file a prepare job reads: a SuperGLUE task's split ({@code task} set) or instruction data ({@code format}
 * set, always the train split). Its index in the job's input list is its number in {@link RawLine#source()}.
 *
 * @param name        the {@code task} column of its rows
 * @param path        fully qualified
 * @param bytes       its size when the job started (compressed size for a compressed file)
 * @param container   how records are laid out in it
 * @param compression how it is compressed; only {@link Compression#NONE} files are split into several tasks
 */
record InputFile(String name, Split split, String path, long bytes, SuperGlueTask task,
                 InstructInput.Format format, Container container, Compression compression)
        implements Serializable {
    private static final long serialVersionUID = 2L;

    /** Record layouts a file may have. */
    enum Container {
        /** One JSON object per line: split into tasks at any byte, line numbers exact. */
        JSONL,
        /** One JSON array of objects (Alpaca's original {@code alpaca_data.json}): one task, element numbers. */
        JSON_ARRAY,
        /** Parquet (Hugging Face datasets' files), read by Spark's reader: row numbers (1-based) from its metadata. */
        PARQUET
    }

    InputFile {
        if ((task == null) == (format == null)) {
            throw new IllegalArgumentException(path + ": exactly one of task and format");
        }
    }

    String splitName() {
        return split.name().toLowerCase(Locale.ROOT);
    }

    boolean splittable() {
        return container == Container.JSONL && compression.splittable();
    }
}
