package org.lomospark.pipeline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/** Sample data shipped in the datasets jar, copied out into a SuperGLUE-layout folder Spark can read. */
public final class BundledSamples {
    /** The synthetic BoolQ the tiny model learns in a couple of minutes. */
    public static final String SYNTHETIC = "/samples/synthetic";
    /** A dozen hand-written records per task and split. */
    public static final String SUPERGLUE = "/samples/superglue";

    private BundledSamples() {}

    /** Writes {@code <root>/<task>/<split>.jsonl} from the resources under {@code samples}; returns root. */
    public static Path copy(String samples, List<SuperGlueTask> tasks, List<Split> splits, Path root)
            throws IOException {
        for (SuperGlueTask task : tasks) {
            for (Split split : splits) {
                Path file = task.file(root, split);
                Files.createDirectories(file.getParent());
                String resource = samples + "/" + task.dirName() + "/" + split.fileName();
                try (InputStream in = BundledSamples.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IOException(resource + " is not on the classpath");
                    }
                    Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return root;
    }
}
