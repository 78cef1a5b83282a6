package org.lomospark.pipeline.notebooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code showImage} does when {@link NotebookRunner} runs a Jupyter notebook: the image goes into the cell's
 * outputs (as Almond's {@code Image.fromFile(path).display()} does in a kernel).
 */
public final class NotebookDisplay {
    private static final List<byte[]> PENDING = new ArrayList<>();

    private NotebookDisplay() {}

    /** Shows the PNG at {@code path} below the running cell; called from the notebook's code. */
    public static synchronized void image(String path) {
        try {
            byte[] png = Files.readAllBytes(Path.of(path));
            if (png.length < 8 || png[0] != (byte) 0x89 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') {
                throw new IllegalArgumentException(path + " is not a PNG image");
            }
            PENDING.add(png);
        } catch (IOException e) {
            throw new UncheckedIOException("showImage: cannot read " + path, e);
        }
    }

    /** The images shown since the last call. */
    static synchronized List<byte[]> drain() {
        List<byte[]> shown = new ArrayList<>(PENDING);
        PENDING.clear();
        return shown;
    }
}
