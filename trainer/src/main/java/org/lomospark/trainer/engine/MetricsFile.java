package org.lomospark.trainer.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's {@code metrics.jsonl}, one JSON line per step ({@link TrainLoop}'s line, with {@code "step"}). A step's line
 * is written before that step's checkpoint commits, so a run killed in between has lines for steps its resume trains
 * again; {@link #keepThrough} drops them, and the file then holds each step of the trained model once. Public for the
 * pipeline's driver, which rewinds the same file when a retry resumes from an earlier commit.
 *
 * <pre>
 * MetricsFile.keepThrough(runDir.resolve("metrics.jsonl"), resumed.step());
 * </pre>
 */
public final class MetricsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsFile() {}

    /**
     * Rewrites {@code file} keeping only the lines of steps {@code <= step}, in their order; nothing when it does not
     * exist. Written under a temporary name and moved into place, so a crash leaves the old file or the new one. A
     * last line without a step is dropped: the write of a step the kill cut short.
     *
     * @throws IOException when a line before the last has no step, naming the file and the line
     */
    public static void keepThrough(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            long s = step(lines.get(i));
            if (s < 0 && i < lines.size() - 1) {
                throw new IOException(file + " line " + (i + 1) + ": no \"step\" in '" + lines.get(i) + "'");
            }
            if (s >= 0 && s <= step) {
                kept.add(lines.get(i));
            }
        }
        if (kept.size() == lines.size()) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The line's {@code "step"}, or -1 when it is not a JSON object with a whole-number step. */
    private static long step(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.path("step").canConvertToLong() && n.path("step").isIntegralNumber()
                    ? n.get("step").asLong() : -1;
        } catch (JsonProcessingException e) {
            return -1;
        }
    }
}
