package org.lomospark.datasets.instruct;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lomospark.datasets.jsonl.JsonLine;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.jsonl.RecordParser;

/**
 * Reads instruction data shipped either as JSONL or as one JSON array, chosen by content: a file whose first
 * non-whitespace character is {@code [} is an array, anything else (an empty file included) is JSONL and goes
 * through {@link JsonlFile}.
 *
 * <p>In an array, an element's {@link Parsed#line()} is its 1-based index, and an element that is no object
 * or that the parser rejects is a {@link Parsed.Bad} like a JSONL line. The array is one JSON value, though:
 * a syntax error or invalid UTF-8 anywhere leaves no element boundary to resume at, so it throws an
 * {@link IOException} naming the file and position instead.
 *
 * <pre>
 * List&lt;Parsed&lt;Alpaca&gt;&gt; records = InstructFile.read(Path.of("alpaca.json"), Alpaca::parse);
 * </pre>
 */
public final class InstructFile {
    // The same strictness as JsonlFile: duplicate keys and trailing garbage mean a broken export.
    private static final ObjectMapper JSON = JsonLine.strictMapper();

    private InstructFile() {}

    public static <T> List<Parsed<T>> read(Path file, RecordParser<T> parser) throws IOException {
        return isArray(file) ? readArray(file, parser) : JsonlFile.read(file, parser);
    }

    private static boolean isArray(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            int b = in.read();
            while (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                b = in.read();
            }
            return b == '[';
        }
    }

    private static <T> List<Parsed<T>> readArray(Path file, RecordParser<T> parser) throws IOException {
        JsonNode root;
        try (InputStream in = Files.newInputStream(file)) {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
            throw new IOException(file + ": not a valid JSON array: " + e.getOriginalMessage() + where, e);
        }
        List<Parsed<T>> out = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            long index = i + 1;
            JsonLine.Result<T> r = JsonLine.object(root.get(i), parser);
            out.add(r.ok() ? new Parsed.Ok<>(file, index, r.value()) : new Parsed.Bad<>(file, index, r.reason()));
        }
        return List.copyOf(out);
    }
}
