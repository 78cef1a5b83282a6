package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;

/**
 * A SuperGLUE-layout input big enough to time: the shipped samples ({@code /samples/superglue} on the
 * classpath) written {@code copies} times over, each copy's records given new {@code idx} values so every
 * record, question and candidate group is unique. Deterministic: the same copies give the same bytes.
 *
 * <pre>
 * SampleCopies.write(dir, List.of(SuperGlueTask.values()), List.of(Split.TRAIN, Split.VAL), 400);
 * </pre>
 *
 * <p>The text repeats, which changes nothing for the byte tokenizer; a BPE tokenizer's word cache hits more
 * often than on real data.
 */
final class SampleCopies {
    private static final String SAMPLES = "/samples/superglue/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleCopies() {}

    static void write(Path root, List<SuperGlueTask> tasks, List<Split> splits, int copies) throws IOException {
        for (SuperGlueTask task : tasks) {
            for (Split split : splits) {
                List<ObjectNode> records = sample(task, split);
                // the copy number goes above every idx of the sample, so idx values never collide
                long stride = records.stream().mapToLong(r -> r.get("idx").asLong()).max().orElse(0) + 1;
                Path file = task.file(root, split);
                Files.createDirectories(file.getParent());
                try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    for (int copy = 0; copy < copies; copy++) {
                        for (ObjectNode r : records) {
                            ObjectNode c = r.deepCopy();
                            c.put("idx", copy * stride + r.get("idx").asLong());
                            out.write(JSON.writeValueAsString(c));
                            out.write('\n');
                        }
                    }
                }
            }
        }
    }

    private static List<ObjectNode> sample(SuperGlueTask task, Split split) throws IOException {
        String name = SAMPLES + task.dirName() + "/" + split.fileName();
        List<ObjectNode> out = new ArrayList<>();
        try (InputStream in = SampleCopies.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no sample " + name + " on the classpath");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    JsonNode node = JSON.readTree(line);
                    if (!node.path("idx").canConvertToLong()) {
                        throw new IOException(name + ": a line without a numeric idx: " + line);
                    }
                    out.add((ObjectNode) node);
                }
            }
        }
        return out;
    }
}
