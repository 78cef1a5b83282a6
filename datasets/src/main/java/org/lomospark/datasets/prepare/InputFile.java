package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.Locale;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * One file a prepare job reads: a SuperGLUE task's split ({@code task} set) or instruction data ({@code format}
 * set, always the train split).
 *
 * @param name  the {@code task} column of its rows
 * @param path  fully qualified
 * @param bytes its size when the job started
 */
record InputFile(String name, Split split, String path, long bytes, SuperGlueTask task,
                 InstructInput.Format format) implements Serializable {
    private static final long serialVersionUID = 1L;

    InputFile {
        if ((task == null) == (format == null)) {
            throw new IllegalArgumentException(path + ": exactly one of task and format");
        }
    }

    String splitName() {
        return split.name().toLowerCase(Locale.ROOT);
    }
}
