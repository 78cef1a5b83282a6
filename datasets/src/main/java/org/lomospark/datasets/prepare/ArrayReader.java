package org.lomospark.datasets.prepare;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import org.lomospark.datasets.jsonl.JsonLine;

/**
 * The elements of a file that is one JSON array of records, streamed one element at a time (memory follows the
 * element, not the file), each handed on as its JSON bytes with its 1-based index as the line. The array is one
 * JSON value: a syntax error or invalid UTF-8 leaves no element boundary to resume at, so it fails the task with
 * an {@link IOException} naming the file and position instead of quarantining a line.
 *
 * <pre>
 * try (ArrayReader elements = new ArrayReader(in, 0, "file:/data/alpaca_data.json")) { ... }
 * </pre>
 */
final class ArrayReader extends Lines {
    private static final ObjectMapper JSON = JsonLine.strictMapper();
    // an element is followed by the next one: the trailing-token check belongs to the whole array
    private static final ObjectReader ELEMENT = JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final JsonParser parser;
    private final int source;
    private final String file;
    private long index;

    /** {@code in}: the decompressed file, which this closes. */
    ArrayReader(InputStream in, int source, String file) throws IOException {
        this.source = source;
        this.file = file;
        this.parser = JSON.getFactory().createParser(in);
        try {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException(file + ": not a JSON array");
            }
        } catch (JsonProcessingException e) {
            parser.close();
            throw failure(e);
        }
    }

    @Override
    RawLine advance() throws IOException {
        try {
            JsonToken t = parser.nextToken();
            if (t == JsonToken.END_ARRAY || t == null) {
                if (t == null || parser.nextToken() != null) {
                    throw new IOException(file + ": not a valid JSON array: "
                            + (t == null ? "no closing ]" : "content after the closing ]"));
                }
                return null;
            }
            JsonNode node = ELEMENT.readTree(parser);
            index++;
            byte[] bytes = JSON.writeValueAsBytes(node);
            return new RawLine(source, index, bytes, bytes.length);
        } catch (JsonProcessingException e) {
            throw failure(e);
        }
    }

    private IOException failure(JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
        return new IOException(file + ": not a valid JSON array: " + e.getOriginalMessage() + where, e);
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
