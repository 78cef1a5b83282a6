package org.lomospark.bench.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The benchmark's output: one JSON object per case, printed and appended to a results file as it is made, each
 * ending with the machine it ran on and the 1-minute load average when it ended.
 *
 * <pre>
 * try (JsonLines out = new JsonLines(file, Map.of("cores", 2))) {
 *     out.emit(out.line("tokenize-alone").put("seconds", 1.5));
 * }
 * </pre>
 */
final class JsonLines implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter file;
    private final Map<String, Object> machine;

    JsonLines(Path path, Map<String, Object> machine) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        this.file = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        this.machine = machine;
    }

    ObjectNode line(String name) {
        return JSON.createObjectNode().put("case", name);
    }

    void emit(ObjectNode line) throws IOException {
        machine.forEach((k, v) -> line.set(k, JSON.valueToTree(v)));
        line.put("load1", load1());
        String text = JSON.writeValueAsString(line);
        System.out.println(text);
        file.write(text);
        file.newLine();
        file.flush();
    }

    /** -1 where {@code /proc/loadavg} does not exist. */
    private static double load1() throws IOException {
        Path loadavg = Path.of("/proc/loadavg");
        if (!Files.exists(loadavg)) {
            return -1;
        }
        return Double.parseDouble(Files.readString(loadavg).split(" ")[0]);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
