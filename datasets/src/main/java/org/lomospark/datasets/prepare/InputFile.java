package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.Locale;
import org.lomospark.datasets.instruct.Conversation;
import org.lomospark.datasets.jsonl.JsonLine;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
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

    /**
     * The record on {@code l}, a {@link SuperGlueRecord} or a {@link Conversation} by this file's kind; null for a
     * blank line. Every pass over the lines (the draw, the rendering) parses through here.
     */
    JsonLine.Result<Object> parse(JsonLine json, RawLine l) {
        return task != null ? json.parse(l.bytes(), l.bytes().length, node -> task.parser().parse(node))
                : json.parse(l.bytes(), l.bytes().length, node -> format.conversation(node, l.line()));
    }

    /** The id a record of this file is drawn by: SuperGLUE's {@code idx}, a conversation's id (or line). */
    String id(Object record) {
        return record instanceof SuperGlueRecord r ? Long.toString(r.idx()) : ((Conversation) record).id();
    }

    String splitName() {
        return split.name().toLowerCase(Locale.ROOT);
    }

    boolean splittable() {
        return container == Container.JSONL && compression.splittable();
    }
}
