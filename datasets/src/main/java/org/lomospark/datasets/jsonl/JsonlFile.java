package org.lomospark.datasets.jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
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
    // Duplicate keys and trailing garbage are silent in Jackson by default; in a dataset they mean a broken export.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
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
        // REPORT, not the default REPLACE: a U+FFFD silently inside a passage would change what the model reads.
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final List<Parsed<T>> out = new ArrayList<>();
        private long line;

        LineParser(Path file, RecordParser<T> parser) {
            this.file = file;
            this.parser = parser;
        }

        void accept(byte[] bytes) {
            line++;
            ByteBuffer in = ByteBuffer.wrap(bytes);
            CharBuffer chars = CharBuffer.allocate(bytes.length); // UTF-8 never yields more chars than bytes
            utf8.reset();
            CoderResult result = utf8.decode(in, chars, true);
            if (!result.isError()) {
                result = utf8.flush(chars);
            }
            if (result.isError()) {
                out.add(new Parsed.Bad<>(file, line, "not valid UTF-8 at byte " + (in.position() + 1)));
                return;
            }
            String text = chars.flip().toString();
            if (!text.isBlank()) {
                out.add(parse(text));
            }
        }

        private Parsed<T> parse(String text) {
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
                return new Parsed.Bad<>(file, line, "not valid JSON: " + e.getOriginalMessage() + where);
            }
            if (!node.isObject()) {
                return new Parsed.Bad<>(file, line, "not a JSON object");
            }
            try {
                return new Parsed.Ok<>(file, line, parser.parse(node));
            } catch (FieldException e) {
                return new Parsed.Bad<>(file, line, e.getMessage());
            }
        }
    }
}
