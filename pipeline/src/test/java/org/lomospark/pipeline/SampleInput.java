package org.lomospark.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/** Sample data shipped in the datasets jar, copied out where Spark's file system can read it. */
public final class SampleInput {
    /** The synthetic BoolQ a tiny model learns. */
    public static final String SYNTHETIC = "/samples/synthetic";
    /** A dozen hand-written records per task and split. */
    public static final String SUPERGLUE = "/samples/superglue";

    private SampleInput() {}

    /** Writes {@code <root>/<task>/{train,val,test}.jsonl} from the resources under {@code samples}; returns root. */
    public static Path copy(String samples, List<SuperGlueTask> tasks, Path root) throws IOException {
        for (SuperGlueTask task : tasks) {
            for (Split split : Split.values()) {
                Path file = task.file(root, split);
                Files.createDirectories(file.getParent());
                String resource = samples + "/" + task.dirName() + "/" + split.fileName();
                try (InputStream in = SampleInput.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IOException(resource + " is not on the classpath");
                    }
                    Files.copy(in, file);
                }
            }
        }
        return root;
    }
}
