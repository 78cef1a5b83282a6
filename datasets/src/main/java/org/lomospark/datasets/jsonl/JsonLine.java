package org.lomospark.datasets.jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;

/**
 * The rules for one line of a JSONL file, wherever the line comes from (a local file, a Hadoop input split, a
 * Parquet row rendered as JSON): strict UTF-8, then one JSON object, then the record parser. Not thread-safe
 * (it keeps a decoder): one per reader.
 *
 * <pre>
 * JsonLine lines = new JsonLine();
 * JsonLine.Result&lt;BoolQ&gt; r = lines.parse(bytes, bytes.length, BoolQ::parse);   // null for a blank line
 * </pre>
 */
public final class JsonLine {
    // Duplicate keys and trailing garbage are silent in Jackson by default; in a dataset they mean a broken export.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    // REPORT, not the default REPLACE: a U+FFFD silently inside a passage would change what the model reads.
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** The strict reader: also for files that are one JSON value (a JSON array of records). */
    public static ObjectMapper strictMapper() {
        return JSON;
    }

    /** A parsed value, or why the line gives none ({@code value} null then). */
    public record Result<T>(T value, String reason) {
        public boolean ok() {
            return reason == null;
        }
    }

    /** The first {@code length} bytes of {@code bytes} (no newline); null when the line is blank. */
    public <T> Result<T> parse(byte[] bytes, int length, RecordParser<T> parser) {
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer chars = CharBuffer.allocate(length); // UTF-8 never yields more chars than bytes
        utf8.reset();
        CoderResult result = utf8.decode(in, chars, true);
        if (!result.isError()) {
            result = utf8.flush(chars);
        }
        if (result.isError()) {
            return new Result<>(null, "not valid UTF-8 at byte " + (in.position() + 1));
        }
        String text = chars.flip().toString();
        if (text.isBlank()) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            return new Result<>(null, "not valid JSON: " + e.getOriginalMessage() + where);
        }
        return object(node, parser);
    }

    /** An already-parsed value (an element of a JSON array): it must be an object the parser accepts. */
    public static <T> Result<T> object(JsonNode node, RecordParser<T> parser) {
        if (!node.isObject()) {
            return new Result<>(null, "not a JSON object");
        }
        try {
            return new Result<>(parser.parse(node), null);
        } catch (FieldException e) {
            return new Result<>(null, e.getMessage());
        }
    }
}
