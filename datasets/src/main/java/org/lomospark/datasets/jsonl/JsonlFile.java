package org.lomospark.datasets.jsonl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSONL file (one JSON object per line) into one {@link Parsed} per non-blank line.
 *
 * <p>A broken line never stops the file and is never dropped: invalid UTF-8, invalid JSON, a non-object
 * and a field the parser rejects each become a {@link Parsed.Bad} for that line. Only I/O errors throw.
 *
 * <pre>
 * for (Parsed&lt;BoolQ&gt; p : JsonlFile.read(Path.of("BoolQ/train.jsonl"), BoolQ::parse)) {
 *     if (p instanceof Parsed.Bad&lt;BoolQ&gt; bad) System.err.println(bad.describe());
 * }
 * </pre>
 */
public final class JsonlFile {
    private static final byte NEWLINE = '\n';

    private JsonlFile() {}

    public static <T> List<Parsed<T>> read(Path file, RecordParser<T> parser) throws IOException {
        LineParser<T> lines = new LineParser<>(file, parser);
        // Split on the byte '\n' before decoding, so a bad byte spoils only its own line.
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[1 << 16];
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            for (int n = in.read(chunk); n != -1; n = in.read(chunk)) {
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == NEWLINE) {
                        pending.write(chunk, from, i - from);
                        lines.accept(pending.toByteArray());
                        pending.reset();
                        from = i + 1;
                    }
                }
                pending.write(chunk, from, n - from);
            }
            if (pending.size() > 0) {
                lines.accept(pending.toByteArray());
            }
        }
        return List.copyOf(lines.out);
    }

    private static final class LineParser<T> {
        private final Path file;
        private final RecordParser<T> parser;
        private final JsonLine rules = new JsonLine();
        private final List<Parsed<T>> out = new ArrayList<>();
        private long line;

        LineParser(Path file, RecordParser<T> parser) {
            this.file = file;
            this.parser = parser;
        }

        void accept(byte[] bytes) {
            line++;
            JsonLine.Result<T> r = rules.parse(bytes, bytes.length, parser);
            if (r != null) {
                out.add(r.ok() ? new Parsed.Ok<>(file, line, r.value()) : new Parsed.Bad<>(file, line, r.reason()));
            }
        }
    }
}
